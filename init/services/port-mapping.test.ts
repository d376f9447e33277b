import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortMapping } from './port-mapping.ts';

test('parsePortMapping: the forms of docker run -p', () => {
  assert.deepEqual(parsePortMapping('8080:80'), { hostIp: '', hostPort: '8080', containerPort: 80, protocol: 'tcp' });
  assert.deepEqual(parsePortMapping('127.0.0.1:5353:53/udp'), { hostIp: '127.0.0.1', hostPort: '5353', containerPort: 53, protocol: 'udp' });
  assert.deepEqual(parsePortMapping('80'), { hostIp: '', hostPort: '', containerPort: 80, protocol: 'tcp' });
  assert.deepEqual(parsePortMapping('0.0.0.0::80'), { hostIp: '0.0.0.0', hostPort: '', containerPort: 80, protocol: 'tcp' });
});

test('parsePortMapping: what is not a mapping', () => {
  for (const bad of ['', ':', '8080:', '70000:80', '8080:0', 'a:80', '1.2.3:80:80', '300.1.1.1:80:80', '80/icmp', '80/tcp/udp', '1:2:3:4', '8080:80 ']) {
    assert.equal(parsePortMapping(bad), undefined, bad);
  }
});
