// A fake qemu-system-x86_64 for run.sh's tests: it fails the KVM probe (like the build
// hosts), records the arguments of every real call, and with -daemonize stays in the
// background like QEMU does: it holds the pipe pairs run.sh made, answers QMP on the
// monitor pipe (hostfwd_add fails for a port in use here, as QEMU's does), copies
// the lines of a "guest" file to the port channel as the init would, writes a line to
// the serial port (and $FAKE_SERIAL), and powers off on system_powerdown (unless told to ignore it).
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellQuote, writeKvmScript } from './write-kvm-script.ts';

export interface FakeQemu {
  /** The program to give run.sh as QEMU. */
  path: string;
  /** The arguments of the last call (the probe excluded), one per line. */
  argsLog: string;
  /** Every QMP line the fake VM received. */
  monitorLog: string;
  /** Lines appended here reach run.sh's agent as if the init wrote them. */
  guest: string;
}

const script = (argsLog: string, monitorLog: string, guest: string) => `#!/bin/bash
if [[ " $* " == *" -accel kvm "*" -S "* ]]; then echo "qemu: error: failed to set MSR 0x10a" >&2; exit 134; fi
printf '%s\\n' "$@" > ${shellQuote(argsLog)}
declare -A pipe=()
daemonize=0 pidfile='' prev=''
for arg in "$@"; do
  case "$prev" in
    -pidfile) pidfile=$arg ;;
    -chardev) [[ $arg =~ ^pipe,id=([a-z0-9]+),path=(.*)$ ]] && pipe[\${BASH_REMATCH[1]}]=\${BASH_REMATCH[2]} ;;
  esac
  [[ $arg == -daemonize ]] && daemonize=1
  prev=$arg
done
[[ $daemonize == 1 ]] || exit 0
(
  exec 7<>"\${pipe[serial0]}.out" 11<>"\${pipe[serial0]}.in" 8<>"\${pipe[monitor0]}.out" 9<>"\${pipe[monitor0]}.in" 10<>"\${pipe[forward0]}.out" 12<>"\${pipe[forward0]}.in"
  echo $BASHPID > "$pidfile"
  echo '{"QMP": {"version": {}, "capabilities": ["oob"]}}' >&8
  echo "fake VM: booted" >&7
  [[ -z \${FAKE_SERIAL:-} ]] || echo "$FAKE_SERIAL" >&7
  touch ${shellQuote(guest)}
  tail -n +1 -f ${shellQuote(guest)} >&10 &
  guest_pid=$!
  while IFS= read -r line <&9; do
    echo "$line" >> ${shellQuote(monitorLog)}
    id=''
    [[ $line =~ \\"id\\":\\"([^\\"]*)\\" ]] && id=\${BASH_REMATCH[1]}
    case "$line" in
      *qmp_capabilities*) echo '{"return": {}}' >&8 ;;
      *system_powerdown*)
        echo '{"return": {}}' >&8
        [[ -n \${FAKE_IGNORE_POWER:-} ]] || break ;;
      *'"hostfwd_add '*)
        [[ $line =~ hostfwd_add\\ (tcp|udp):127\\.0\\.0\\.1:([0-9]+)- ]]
        if [[ \${BASH_REMATCH[1]} == tcp ]] && (exec 3<>"/dev/tcp/127.0.0.1/\${BASH_REMATCH[2]}") 2>/dev/null; then
          echo "{\\"return\\": \\"Could not set up host forwarding rule '\${BASH_REMATCH[1]}:127.0.0.1:\${BASH_REMATCH[2]}'\\\\r\\\\n\\", \\"id\\": \\"$id\\"}" >&8
        else
          echo "{\\"return\\": \\"\\", \\"id\\": \\"$id\\"}" >&8
        fi ;;
      *'"hostfwd_remove '*) echo "{\\"return\\": \\"host forwarding rule removed\\\\r\\\\n\\", \\"id\\": \\"$id\\"}" >&8 ;;
    esac
  done
  echo "fake VM: powered off" >&7
  kill $guest_pid
) </dev/null >/dev/null 2>&1 &
# QEMU returns once the pid file is there.
for _ in $(seq 100); do [[ -s $pidfile ]] && exit 0; sleep 0.05; done
exit 1
`;

export async function writeFakeQemu(dir: string): Promise<FakeQemu> {
  const fake: FakeQemu = {
    path: join(dir, 'fake-qemu'),
    argsLog: join(dir, 'qemu.log'),
    monitorLog: join(dir, 'monitor.log'),
    guest: join(dir, 'guest-lines'),
  };
  await writeFile(fake.path, script(fake.argsLog, fake.monitorLog, fake.guest));
  await chmod(fake.path, 0o755);
  return fake;
}

/** The configured command line the fake release's run.sh is written with (plus `od.test`). */
export const KVM_TEST_CMDLINE = 'console=tty0 console=ttyS0,115200';

/** A release layout in a new temporary directory: dist/vmlinuz, dist/initrd.img, dist/kvm/run.sh, and the fake QEMU. */
export async function fakeRelease(): Promise<{ dir: string; script: string; log: string; env: Record<string, string>; fake: FakeQemu }> {
  const dir = await mkdtemp(join(tmpdir(), 'od-runsh-'));
  const dist = join(dir, 'dist');
  await mkdir(dist);
  await writeFile(join(dist, 'vmlinuz'), 'kernel');
  await writeFile(join(dist, 'initrd.img'), 'initrd');
  await writeKvmScript({ outDir: dist, vmlinuz: join(dist, 'vmlinuz'), initrd: join(dist, 'initrd.img'), cmdline: `${KVM_TEST_CMDLINE} od.test`, version: '0', sourceDateEpoch: 1 });
  const fake = await writeFakeQemu(dir);
  return { dir, script: join(dist, 'kvm', 'run.sh'), log: fake.argsLog, env: { QEMU: fake.path }, fake };
}
