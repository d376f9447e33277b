// The fakes the DHCP image's script tests run with (dhcp-event-script.test.ts,
// dhcp-entrypoint.test.ts): a fake `ip` that records what would be done to the
// interface, a fake udhcpc that records its arguments, and the shells to run the event
// script under: the host's sh and, when there is one, busybox ash with busybox applets
// (the image's real interpreter and tools).
import { existsSync } from 'node:fs';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../project.ts';

export const EVENT_SCRIPT = join(REPO_ROOT, 'images/dhcp/rootfs/usr/share/udhcpc/default.script');
export const ENTRYPOINT = join(REPO_ROOT, 'images/dhcp/rootfs/usr/sbin/only-docker-dhcp');
export const HOST_BUSYBOX = '/bin/busybox';

/** A lease as udhcpc hands it to the event script, in its environment. */
export const sampleLease = {
  interface: 'eth9',
  ip: '10.0.2.15',
  subnet: '255.255.255.0',
  mask: '24',
  broadcast: '10.0.2.255',
  router: '10.0.2.2',
  dns: '10.0.2.3 1.1.1.1',
  domain: 'example.test',
  ntpsrv: '10.0.2.2 10.0.2.4',
  lease: '86400',
  serverid: '10.0.2.2',
};

export interface Shell {
  name: string;
  command: string[];
  /** PATH after the fakes: where the script finds tr, sed, mv... */
  toolPath: string;
}

export interface DhcpFakes {
  fakeBin: string;
  shells: Shell[];
  /** A new empty directory under the work directory for one run. */
  freshDir(): Promise<string>;
}

export async function dhcpFakes(work: string): Promise<DhcpFakes> {
  const fakeBin = join(work, 'fake-bin');
  const shells: Shell[] = [];
  await mkdir(fakeBin);
  // Records each call that changes something; `route del` fails (nothing to delete),
  // IP_FAIL makes one verb fail. The interface's addresses are kept in $IP_ADDRS, so
  // that `ip -4 addr show` answers as the kernel would.
  await writeFile(
    join(fakeBin, 'ip'),
    `#!/bin/sh
case "$*" in "-4 addr show dev "*) cat "$IP_ADDRS" 2>/dev/null; exit 0;; esac
echo "ip $*" >> "$IP_LOG"
case "$*" in "route del"*) exit 2;; esac
if [ -n "\${IP_FAIL:-}" ]; then case "$*" in "$IP_FAIL"*) exit 1;; esac; fi
case "$*" in
"addr flush dev "*) : > "$IP_ADDRS" ;;
"addr add "*) echo "    inet $3 scope global $7" >> "$IP_ADDRS" ;;
esac
exit 0
`,
  );
  await writeFile(join(fakeBin, 'udhcpc'), '#!/bin/sh\nprintf "%s\\n" "$@" > "$UDHCPC_ARGS"\necho "$DHCP_STATE_DIR" > "$UDHCPC_ARGS.state"\n');
  await chmod(join(fakeBin, 'ip'), 0o755);
  await chmod(join(fakeBin, 'udhcpc'), 0o755);
  shells.push({ name: 'sh', command: ['sh'], toolPath: '/usr/bin:/bin' });
  if (existsSync(HOST_BUSYBOX)) {
    const busyboxBin = join(work, 'busybox-bin');
    await mkdir(busyboxBin);
    const { stdout } = await execa(HOST_BUSYBOX, ['--list']);
    for (const applet of stdout.split('\n').filter((a) => a && a !== 'ip' && a !== 'udhcpc')) {
      await symlink(HOST_BUSYBOX, join(busyboxBin, applet));
    }
    shells.push({ name: 'busybox ash', command: [HOST_BUSYBOX, 'sh'], toolPath: busyboxBin });
  }
  let runCount = 0;
  const freshDir = async () => {
    const dir = join(work, `run-${++runCount}`);
    await mkdir(dir);
    return dir;
  };
  return { fakeBin, shells, freshDir };
}
