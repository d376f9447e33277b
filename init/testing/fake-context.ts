// A BootContext for step and runner tests: console lines collected in an array,
// system calls recorded by a FakeSys, paths inside a temporary directory.
import { BootConsole, textSink } from '../console.ts';
import { defaultPaths, type BootContext, type BootPaths } from '../context.ts';
import { freshDefaults } from '../config/options.ts';
import { fakeSys, type FakeSys } from './fake-sys.ts';

export interface FakeContext extends BootContext {
  sys: FakeSys;
  lines: string[];
}

export function fakeContext(paths: Partial<BootPaths> = {}): FakeContext {
  const lines: string[] = [];
  return {
    console: new BootConsole(textSink((line) => lines.push(line))),
    sys: fakeSys(),
    paths: { ...defaultPaths, ...paths },
    kernelRelease: '6.1.0-test-amd64',
    config: freshDefaults(),
    lines,
  };
}
