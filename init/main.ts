// Entry point of the init binary. As PID 1 of a machine it boots the system; as a
// container's entrypoint (`--container`, or PID 1 in a container) it runs Docker in
// Docker; run any other way (on the build host, by the builder's smoke test) it only
// answers --version / --self-test and never touches the machine.
import { boot } from './boot.ts';
import { detectContainerMode } from './container/container-args.ts';
import { containerMain } from './container/container-main.ts';
import { selfTest } from './self-test.ts';
import { initVersion } from './version.ts';

function cli(args: string[]): number {
  const write = (line: string) => process.stdout.write(`${line}\n`);
  switch (args[0]) {
    case '--version':
      write(`only-docker-init ${initVersion}`);
      return 0;
    case '--self-test':
      return selfTest(write);
    default:
      process.stderr.write(
        `only-docker-init ${initVersion}: the only-docker PID 1; it boots only as PID 1.\n` +
          'usage: init --version | --self-test | --container [dockerd arguments]\n',
      );
      return 2;
  }
}

const container = detectContainerMode({ args: process.argv.slice(2), env: process.env, pid: process.pid });
if (container) {
  void containerMain(container);
} else if (process.pid === 1) {
  // The kernel passes unknown boot parameters as arguments; PID 1 ignores them.
  void boot();
} else {
  // In a single executable argv[1] repeats the executable, as argv[1] is the script under node.
  process.exitCode = cli(process.argv.slice(2));
}
