import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxUserConfigBytes, parseUserConfig } from './parse-user-config.ts';
import { describeUserConfigProblem } from './describe-user-config-problem.ts';

const source = '/dev/sr1:user-data';
const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0mJ7Qq7kKx user@laptop';

// The issue's example, with a whole key where it elides one ("AAAA...").
const example = `hostname: node1
docker:
  daemon: { registry-mirrors: ["https://mirror.example:5000"], log-opts: { max-size: 10m } }
  env: { HTTP_PROXY: "http://proxy.example:3128" }
services:
  - name: web
    image: only-docker/console:0.1.0
    command: ["sh", "-c", "busybox httpd -f -p 80 -h /srv"]
    ports: ["8080:80"]
    volumes: ["/root/srv:/srv"]
    restart: always
files:
  - { path: /root/srv/index.html, mode: "0644", content: "hello" }
ssh:
  authorized_keys: ["${key}"]
ntp:
  servers: ["10.0.2.2"]
od: { debug: true, dhcp.timeout: 20 }   # any kernel option, without its od. prefix
`;

test("the issue's example parses without problems into typed values", () => {
  const { config, problems } = parseUserConfig(example, source);
  assert.deepEqual(problems, []);
  assert.deepEqual(config, {
    source,
    hostname: 'node1',
    docker: {
      daemon: { 'registry-mirrors': ['https://mirror.example:5000'], 'log-opts': { 'max-size': '10m' } },
      env: { HTTP_PROXY: 'http://proxy.example:3128' },
    },
    services: [
      {
        name: 'web',
        image: 'only-docker/console:0.1.0',
        command: ['sh', '-c', 'busybox httpd -f -p 80 -h /srv'],
        env: {},
        ports: ['8080:80'],
        volumes: ['/root/srv:/srv'],
        restart: 'always',
        privileged: false,
      },
    ],
    files: [{ path: '/root/srv/index.html', mode: 0o644, content: 'hello', encoding: 'text' }],
    ssh: { authorizedKeys: [key] },
    ntp: { servers: ['10.0.2.2'] },
    od: [
      { key: 'od.hostname', value: 'node1', source: `${source} line 1 column 11` },
      { key: 'od.debug', value: true, source: `${source} line 18 column 7` },
      { key: 'od.dhcp.timeout', value: '20', source: `${source} line 18 column 20` },
    ],
  });
});

test('an unknown key is named with its path, line and column; the rest is kept', () => {
  const { config, problems } = parseUserConfig('docker:\n  env: { A: "1" }\n  deamon: { debug: true }\nservices:\n  - { name: a, image: busybox, imagee: x }\n', source);
  assert.deepEqual(problems, [
    { kind: 'unknown', path: 'docker.deamon', source, line: 3, column: 3 },
    { kind: 'unknown', path: 'services[0].imagee', source, line: 5, column: 32 },
  ]);
  assert.equal(describeUserConfigProblem(problems[0]!), 'config /dev/sr1:user-data line 3 column 3: unknown key docker.deamon ignored');
  assert.deepEqual(config.docker, { env: { A: '1' } });
  assert.equal(config.services?.[0]?.image, 'busybox');
});

test('a syntax error gives its line and column, and the whole source is ignored', () => {
  const { config, problems } = parseUserConfig('hostname: node1\nservices: [\n  - name: x\n', source);
  assert.deepEqual(config, { source });
  assert.ok(problems.length >= 1);
  for (const problem of problems) {
    assert.equal(problem.kind, 'syntax');
    assert.ok(problem.line >= 2 && problem.column >= 1, JSON.stringify(problem));
    assert.match(describeUserConfigProblem(problem), /^config \/dev\/sr1:user-data line \d+ column \d+: .*; the whole source ignored$/);
  }
  assert.equal(parseUserConfig('a: 1\na: 2\n', source).problems[0]?.kind, 'syntax', 'a repeated key is a mistake, not a choice');
});

test('an empty file or comments only: an empty layer and no problem; a top level that is no mapping: a problem', () => {
  for (const text of ['', '# nothing yet\n', '---\n']) assert.deepEqual(parseUserConfig(text, source), { config: { source }, problems: [] });
  const { config, problems } = parseUserConfig('- hostname: x\n', source);
  assert.deepEqual(config, { source });
  assert.equal(describeUserConfigProblem(problems[0]!), 'config /dev/sr1:user-data line 1 column 1: bad value: expected a mapping; the source ignored');
});

test('a bad value in one service drops that service only', () => {
  const text = `services:
  - { name: web, image: nginx, ports: ["8080:80"] }
  - name: db
    image: postgres
    ports: ["99999:5432"]
  - { name: cache, image: redis, restart: sometimes }
  - { name: web, image: httpd }
`;
  const { config, problems } = parseUserConfig(text, source);
  assert.deepEqual(config.services?.map((s) => s.name), ['web']);
  assert.deepEqual(
    problems.map(describeUserConfigProblem),
    [
      'config /dev/sr1:user-data line 5 column 13: bad value for services[1].ports[0]: expected [ip:]hostPort:containerPort[/tcp|udp|sctp] or containerPort alone, ports 1-65535, e.g. 8080:80; service "db" ignored',
      'config /dev/sr1:user-data line 6 column 43: bad value for services[2].restart: expected one of no, always, unless-stopped, on-failure; service "cache" ignored',
      'config /dev/sr1:user-data line 7 column 13: bad value for services[3].name: a second entry with name "web"; service "web" ignored',
    ],
  );
});

test('service values: a command string runs through sh -c, a missing image is required, volumes and env checked', () => {
  const ok = parseUserConfig('services:\n  - { name: a, image: busybox, command: "echo hi", env: { N: 1, B: true }, volumes: ["data:/var/lib/x:ro"], network: host, user: "1000:1000" }\n', source);
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.config.services?.[0]?.command, ['sh', '-c', 'echo hi']);
  assert.deepEqual(ok.config.services?.[0]?.env, { N: '1', B: 'true' });
  const bad = parseUserConfig('services:\n  - { name: a }\n  - { name: b, image: x, volumes: ["/root/../etc:/x"] }\n  - { name: c, image: x, env: { 1X: y } }\n', source);
  assert.deepEqual(bad.config.services, []);
  assert.deepEqual(
    bad.problems.map((p) => p.kind === 'invalid' && [p.path, p.message]),
    [
      ['services[0].image', 'required'],
      ['services[1].volumes[0]', 'expected /host/path:/container/path[:ro|rw] or volume-name:/container/path[:ro], absolute paths without ..'],
      ['services[2].env.1X', 'an environment variable name is letters, digits and underscores, not starting with a digit'],
    ],
  );
});

test('a file path outside the writable places is refused, naming the path; the other files are kept', () => {
  const { config, problems } = parseUserConfig('files:\n  - { path: /etc/motd, content: hi, mode: 0600 }\n  - { path: /usr/bin/docker, content: x }\n  - { path: /etc/../init }\n', source);
  assert.deepEqual(config.files, [{ path: '/etc/motd', mode: 0o600, content: 'hi', encoding: 'text' }]);
  assert.equal(problems[0]?.kind, 'refused');
  assert.equal(
    describeUserConfigProblem(problems[0]!),
    'config /dev/sr1:user-data line 3 column 13: refused files[1].path: /usr/bin/docker is not under /etc, /root, /var/lib/docker, /run, where files may be written; file /usr/bin/docker ignored',
  );
  assert.equal(problems[1]?.kind, 'invalid', 'a path with .. is malformed, whatever it points at');
});

test('one bad environment variable, key or server costs only itself', () => {
  const text = `docker:
  env: { GOOD: x, BAD: [1] }
  daemon: [not, a, mapping]
ssh:
  authorized_keys: ["${key}", "ssh-ed25519 AAAA\\nssh-rsa BBBB"]
ntp:
  servers: [pool.ntp.org, 300.1.1.1]
hostname: -bad-
`;
  const { config, problems } = parseUserConfig(text, source);
  assert.deepEqual(config.docker, { env: { GOOD: 'x' } });
  assert.deepEqual(config.ssh, { authorizedKeys: [key] });
  assert.deepEqual(config.ntp, { servers: ['pool.ntp.org'] });
  assert.equal(config.hostname, undefined);
  assert.equal(config.od, undefined);
  assert.deepEqual(
    problems.map((p) => 'path' in p && p.path),
    ['docker.env.BAD', 'docker.daemon', 'ssh.authorized_keys[1]', 'ntp.servers[1]', 'hostname'],
  );
});

test('od: dotted keys and nested mappings are the same option; values as the command line carries them', () => {
  const { config, problems } = parseUserConfig('od:\n  dhcp: { timeout: 20 }\n  net.dns: [10.0.2.3, 1.1.1.1]\n  debug: false\n  disk.settle: 0.5\n  console: null\n', source);
  assert.deepEqual(
    config.od?.map(({ key, value }) => [key, value]),
    [
      ['od.dhcp.timeout', '20'],
      ['od.net.dns', '10.0.2.3,1.1.1.1'],
      ['od.debug', '0'],
      ['od.disk.settle', '0.5'],
    ],
  );
  assert.deepEqual(problems.map((p) => 'path' in p && p.path), ['od.console']);
});

test('swarm: checked now for a later issue; init and join exclude each other', () => {
  const join = parseUserConfig('swarm: { join: { address: "10.0.2.15:2377", token: SWMTKN-1-abc }, labels: { zone: 1 } }\n', source);
  assert.deepEqual(join.problems, []);
  assert.deepEqual(join.config.swarm, { join: { address: '10.0.2.15:2377', token: 'SWMTKN-1-abc' }, labels: { zone: '1' } });
  const both = parseUserConfig('swarm: { init: true, join: { address: "a:2377", token: t } }\n', source);
  assert.equal(both.config.swarm, undefined);
  assert.match(describeUserConfigProblem(both.problems[0]!), /bad value for swarm: init and join exclude each other.*; swarm ignored$/);
  assert.equal(parseUserConfig('swarm: { join: { address: nowhere, token: t } }\n', source).problems[0]?.kind, 'invalid');
});

test('interfaces: each checked alone, with line and column; a second one of the same name is a mistake', () => {
  const text = `interfaces:
  - { name: eth1, address: 10.9.0.11/24, mtu: 1400 }
  - { name: eth2, address: 10.9.0.0/24 }
  - { name: eth3, address: 10.9.1.5 }
  - { name: lo, address: 127.0.0.2/8 }
  - { name: eth1, address: 10.9.0.12/24 }
  - { name: eth4, address: 10.9.2.1/24, vlan: 3 }
`;
  const { config, problems } = parseUserConfig(text, source);
  assert.deepEqual(config.interfaces, [
    { name: 'eth1', address: { ip: '10.9.0.11', prefix: 24 }, mtu: 1400 },
    { name: 'eth4', address: { ip: '10.9.2.1', prefix: 24 } },
  ]);
  assert.deepEqual(problems.map(describeUserConfigProblem), [
    'config /dev/sr1:user-data line 3 column 28: bad value for interfaces[1].address: the network or broadcast address of its subnet: no host can take it; interface eth2 ignored',
    'config /dev/sr1:user-data line 4 column 28: bad value for interfaces[2].address: expected an IPv4 address with its prefix length, e.g. 10.9.0.11/24; interface eth3 ignored',
    'config /dev/sr1:user-data line 5 column 13: bad value for interfaces[3].name: expected a network card, e.g. eth1 (not lo or auto); interface lo ignored',
    'config /dev/sr1:user-data line 7 column 41: unknown key interfaces[5].vlan ignored',
    'config /dev/sr1:user-data line 6 column 13: bad value for interfaces[4].name: a second entry with name "eth1"; interface eth1 ignored',
  ]);
});

test('an alias bomb and an oversized source are refused whole', () => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const started = performance.now();
  const bomb = parseUserConfig(`${levels.join('\n')}\n`, source);
  assert.ok(performance.now() - started < 2000);
  assert.deepEqual(bomb.config, { source });
  assert.equal(bomb.problems[0]?.kind, 'limit');
  const big = parseUserConfig(`hostname: x\n#${'y'.repeat(maxUserConfigBytes)}\n`, source);
  assert.deepEqual(big.config, { source });
  assert.match(describeUserConfigProblem(big.problems[0]!), /larger than 1048576 bytes; the whole source ignored$/);
  // A few aliases are fine.
  assert.deepEqual(parseUserConfig('ntp: { servers: &s [10.0.2.2] }\nod: { net.dns: *s }\n', source).problems, []);
});

test('control characters from the file are shown, not sent to the terminal', () => {
  const { problems } = parseUserConfig('files: [{ path: "/usr/\\u001b[2J\\u009b" }]\n"evil\\u001b": 1\n', source);
  const lines = problems.map(describeUserConfigProblem);
  assert.ok(lines.every((line) => !/[\u001b\u009b]/.test(line)), lines.join('\n'));
  assert.match(lines[0]!, /refused files\[0\]\.path: \/usr\/\\x1b\[2J\\x9b is not under/);
});

test('a __proto__ key is an unknown key, not a prototype', () => {
  const { problems } = parseUserConfig('__proto__: { polluted: true }\n', source);
  assert.equal(problems[0]?.kind, 'unknown');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
