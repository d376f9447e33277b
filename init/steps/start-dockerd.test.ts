import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeContext } from '../testing/fake-context.ts';
import { startDockerd } from './start-dockerd.ts';

// A stand-in dockerd: after a short delay (its first number argument) it serves /_ping
// and /version on the socket given as the argument ending in .sock, and prints its
// environment and arguments to the log; a second number is an exit code to fail with.
const fakeDockerd = `#!${process.execPath}
const http = require('node:http');
const args = process.argv.slice(2);
const socket = args.find((a) => a.endsWith('.sock') && !a.startsWith('--'));
const [delay = '0', exitCode] = args.filter((a) => /^\\d+$/.test(a));
console.log('env', process.env.DOCKER_RAMDISK, process.env.PATH);
console.log('args', JSON.stringify(args));
if (exitCode) { console.error('failing on purpose'); process.exit(Number(exitCode)); }
try { require('node:fs').unlinkSync(socket); } catch {}
setTimeout(() => {
  http.createServer((req, res) => {
    if (req.url === '/_ping') return res.end('OK');
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ Version: '20.10.24+dfsg1', ApiVersion: '1.41' }));
  }).listen(socket);
}, Number(delay));
`;

// A stand-in containerd: serves on the gRPC address of the config file it is given
// (after the delay in FAKE_CONTAINERD_DELAY_MS), or fails when its config asks for debug
// and FAKE_CONTAINERD_FAIL is set.
const fakeContainerd = `#!${process.execPath}
const fs = require('node:fs');
const config = fs.readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8');
const address = config.match(/address = "(.*)"/)[1];
console.log('containerd config', JSON.stringify(config.match(/^root = .*$/m)[0]));
try { fs.unlinkSync(address); } catch {}
setTimeout(() => require('node:net').createServer((c) => c.destroy()).listen(address, () => console.log('containerd successfully booted')), 200);
`;

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'od-dockerd-'));
  const binary = join(dir, 'dockerd');
  writeFileSync(binary, fakeDockerd);
  chmodSync(binary, 0o755);
  const containerdBinary = join(dir, 'containerd');
  writeFileSync(containerdBinary, fakeContainerd);
  chmodSync(containerdBinary, 0o755);
  const ctx = fakeContext({
    dockerdBinary: binary,
    dockerSocket: join(dir, 'docker.sock'),
    dockerLog: join(dir, 'log/docker.log'),
    containerdBinary,
    containerd: { root: join(dir, 'containerd-root'), state: join(dir, 'containerd-state'), socket: join(dir, 'containerd.sock'), configFile: join(dir, 'run/containerd.toml') },
  });
  t.after(async () => {
    await ctx.dockerdSupervisor?.stop({ graceMs: 100 });
    ctx.dockerdSupervisor?.current?.child.kill('SIGKILL');
    await ctx.containerd?.stop({ graceMs: 100 });
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, ctx };
}

test('starts dockerd, waits for /_ping, prints the ready event and line', async (t) => {
  const { ctx } = setup(t);
  ctx.config.dockerd.args = [ctx.paths.dockerSocket, '300'];
  await startDockerd.run(ctx);
  assert.ok(ctx.lines.includes('{"od":"docker","status":"ready","version":"20.10.24+dfsg1","apiVersion":"1.41"}'), ctx.lines.join('\n'));
  assert.ok(ctx.lines.includes('init: Docker 20.10.24+dfsg1 is ready (API 1.41)'));
  assert.deepEqual(
    ctx.sys.calls.map((c) => [c.name, c.args[1]]),
    [
      ['setResourceLimit', 7],
      ['setResourceLimit', 6],
    ],
  );
  // Some build hosts refuse oom_score_adj writes (EIO in this sandbox); then the step
  // must have said so instead of failing.
  const oomWarning = ctx.lines.some((l) => l.startsWith("init: warning: cannot set dockerd's oom_score_adj"));
  if (!oomWarning) assert.equal(readFileSync(`/proc/${ctx.dockerdSupervisor!.current!.pid}/oom_score_adj`, 'utf8').trim(), '-500');
  const log = readFileSync(ctx.paths.dockerLog, 'utf8');
  assert.match(log, /^env 1 \/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
});

test('fails at once, not after the timeout, when dockerd exits', async (t) => {
  const { ctx } = setup(t);
  ctx.config.log = 'both';
  ctx.config.dockerd.args = [ctx.paths.dockerSocket, '0', '3'];
  const started = Date.now();
  await assert.rejects(Promise.resolve(startDockerd.run(ctx)), /stopped waiting for .*dockerd exited \(code 3\)/);
  assert.ok(Date.now() - started < 10_000);
  // od.log=both (what od.debug implies): the log goes to the console as well as the file.
  assert.ok(ctx.lines.includes('dockerd: failing on purpose'), ctx.lines.join('\n'));
  assert.match(readFileSync(ctx.paths.dockerLog, 'utf8'), /failing on purpose/);
});

test('a missing dockerd, or containerd, is a clear error', async (t) => {
  const { ctx } = setup(t);
  ctx.paths.dockerdBinary = '/nonexistent/dockerd';
  await assert.rejects(Promise.resolve(startDockerd.run(ctx)), /\/nonexistent\/dockerd is missing or not executable/);
  const other = fakeContext({ containerdBinary: '/nonexistent/containerd' });
  await assert.rejects(Promise.resolve(startDockerd.run(other)), /\/nonexistent\/containerd is missing or not executable/);
});

test('containerd serves before dockerd starts, from a configuration the init wrote; od.dockerd.args --containerd leaves it out', async (t) => {
  const { ctx } = setup(t);
  ctx.config.dockerd.args = [ctx.paths.dockerSocket, '0'];
  await startDockerd.run(ctx);
  const log = readFileSync(ctx.paths.dockerLog, 'utf8');
  assert.ok(log.indexOf('containerd successfully booted') < log.indexOf('args ['), 'containerd first');
  assert.match(log, new RegExp(`containerd config "root = \\\\"${ctx.paths.containerd.root}\\\\""`));
  assert.ok(ctx.lines.some((l) => /^init: containerd serves on .*containerd\.sock \(pid \d+, \d+ ms\)$/.test(l)), ctx.lines.join('\n'));
  await ctx.dockerdSupervisor?.stop({ graceMs: 100 });
  await ctx.containerd?.stop({ graceMs: 100 });

  const own = setup(t).ctx;
  own.config.dockerd.args = [own.paths.dockerSocket, '0', '--containerd=/run/elsewhere.sock'];
  await startDockerd.run(own);
  assert.equal(own.containerd, undefined);
  assert.ok(own.lines.includes('init: warning: od.dockerd.args sets --containerd: the init starts no containerd of its own'));
});

test('a dockerd that will not start leaves its last lines on the console, not only in its log', async (t) => {
  const { ctx } = setup(t);
  ctx.config.dockerd.args = [ctx.paths.dockerSocket, '0', '125'];
  await assert.rejects(Promise.resolve(startDockerd.run(ctx)), /dockerd exited \(code 125\)/);
  const text = ctx.lines.join('\n');
  assert.match(text, /init: error: dockerd's last lines \(all of them in .*docker\.log\):\n(?:dockerd: containerd .*\n)*dockerd: env 1 .*\ndockerd: args .*\ndockerd: failing on purpose/);
});

test('the boot options become dockerd flags', async (t) => {
  const { ctx } = setup(t);
  ctx.config.dockerd.storageDriver = 'vfs';
  ctx.config.dockerd.bip = { ip: '10.9.0.1', prefix: 16 };
  ctx.config.dockerd.args = [ctx.paths.dockerSocket, '100'];
  await startDockerd.run(ctx);
  assert.match(readFileSync(ctx.paths.dockerLog, 'utf8'), new RegExp(`^args \\["--containerd=${ctx.paths.containerd.socket}","--storage-driver","vfs","--bip","10.9.0.1/16","--log-opt","max-size=10m","--log-opt","max-file=3","${ctx.paths.dockerSocket}","100"\\]$`, 'm'));
  assert.ok(ctx.lines.some((l) => /^init: dockerd started \(pid \d+, args: --containerd=\S+ --storage-driver vfs --bip 10\.9\.0\.1\/16 /.test(l)), ctx.lines.join('\n'));
});

test('killed after the boot, dockerd is started again and its subscribers are told', async (t) => {
  const { ctx } = setup(t);
  ctx.config.dockerd.args = [ctx.paths.dockerSocket, '100'];
  await startDockerd.run(ctx);
  const first = ctx.dockerdSupervisor!.current!;
  const back = new Promise((resolve) => ctx.dockerdSupervisor!.onRestarted(resolve));
  first.child.kill('SIGKILL');
  await back;
  const second = ctx.dockerdSupervisor!.current!;
  assert.notEqual(second.pid, first.pid);
  const events = ctx.lines.filter((l) => l.startsWith('{"od":"dockerd"'));
  assert.equal(events[0], `{"od":"dockerd","status":"exited","pid":${first.pid},"code":null,"signal":"SIGKILL","restart":true}`);
  assert.match(events[1]!, new RegExp(`^\\{"od":"dockerd","status":"restarted","attempt":1,"pid":${second.pid},"ms":\\d+\\}$`));
});
