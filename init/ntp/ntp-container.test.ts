import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ntpContainerSpec, TimeServerNameError } from './ntp-container.ts';

test('chronyd, foreground, client only, one server directive each, steps a clock far off, on the host network with SYS_TIME alone', () => {
  assert.deepEqual(ntpContainerSpec({ image: 'only-docker/dhcp:1', servers: ['10.0.2.2', 'pool.ntp.org'] }), {
    Image: 'only-docker/dhcp:1',
    Entrypoint: ['chronyd'],
    Cmd: ['-d', '-u', 'root', 'server 10.0.2.2 iburst', 'server pool.ntp.org iburst', 'makestep 1 -1', 'port 0', 'cmdport 0', 'pidfile /run/chronyd.pid'],
    Labels: { 'io.only-docker.role': 'ntp' },
    HostConfig: {
      NetworkMode: 'host',
      CapDrop: ['ALL'],
      CapAdd: ['SYS_TIME'],
      RestartPolicy: { Name: 'unless-stopped' },
    },
  });
});

test('no server, or one that is not a host name or IPv4 address (an option or another directive), is refused', () => {
  assert.throws(() => ntpContainerSpec({ image: 'i', servers: [] }), TimeServerNameError);
  for (const server of ['-l', '-S/bin/sh', '300.1.1.1', 'a b', '']) {
    assert.throws(() => ntpContainerSpec({ image: 'i', servers: ['10.0.2.2', server] }), TimeServerNameError, server);
  }
});
