// Which Debian package owns a file on the build host, and whether that package belongs
// to a minimal Debian 12 system. The library closure uses this to take a library from
// the host only when every Debian 12 host is sure to have it.
import { execa, ExecaError } from 'execa';
import { alternateUsrPath } from './merged-usr.ts';
import { findHostTool } from './host-tools.ts';

export class HostPackageQueryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostPackageQueryError';
  }
}

/**
 * The packages of a minimal Debian 12 (bookworm) system: what `debootstrap
 * --variant=minbase` installs, which is also the content of the official debian:bookworm
 * image. Derived from the archive: every package of Priority "required" or
 * "Essential: yes", closed over Depends/Pre-Depends, taking the first alternative
 * (`apt-cache depends --recurse` over those, then dropping the alternatives debootstrap
 * does not pick, such as gawk for mawk or libelogind0 for libsystemd0).
 */
export const DEBIAN_12_BASE_PACKAGES: ReadonlySet<string> = new Set([
  'apt', 'base-files', 'base-passwd', 'bash', 'bsdutils', 'coreutils', 'dash', 'debconf',
  'debian-archive-keyring', 'debianutils', 'diffutils', 'dpkg', 'e2fsprogs', 'findutils',
  'gcc-12-base', 'gpgv', 'grep', 'gzip', 'hostname', 'init-system-helpers', 'libacl1',
  'libapt-pkg6.0', 'libattr1', 'libaudit-common', 'libaudit1', 'libblkid1', 'libbz2-1.0',
  'libc-bin', 'libc6', 'libcap-ng0', 'libcap2', 'libcom-err2', 'libcrypt1', 'libdb5.3',
  'libdebconfclient0', 'libext2fs2', 'libffi8', 'libgcc-s1', 'libgcrypt20', 'libgmp10',
  'libgnutls30', 'libgpg-error0', 'libhogweed6', 'libidn2-0', 'liblz4-1', 'liblzma5', 'libmd0',
  'libmount1', 'libnettle8', 'libp11-kit0', 'libpam-modules', 'libpam-modules-bin',
  'libpam-runtime', 'libpam0g', 'libpcre2-8-0', 'libseccomp2', 'libselinux1',
  'libsemanage-common', 'libsemanage2', 'libsepol2', 'libsmartcols1', 'libss2', 'libstdc++6',
  'libsystemd0', 'libtasn1-6', 'libtinfo6', 'libudev1', 'libunistring2', 'libuuid1',
  'libxxhash0', 'libzstd1', 'login', 'logsave', 'mawk', 'mount', 'ncurses-base', 'ncurses-bin',
  'passwd', 'perl-base', 'sed', 'sysvinit-utils', 'tar', 'tzdata', 'usr-is-merged', 'util-linux',
  'util-linux-extra', 'zlib1g',
]);

/** "libselinux1:amd64: /lib/x86_64-linux-gnu/libselinux.so.1" -> path -> "libselinux1". */
export function parseDpkgSearch(text: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^(.+?): (\/.*)$/.exec(line.trim());
    if (!match) continue;
    // Diversions print "diversion by x from: /path"; shared directories list several packages.
    if (match[1]!.startsWith('diversion ') || match[1]!.includes(',')) continue;
    owners.set(match[2]!, match[1]!.replace(/:[a-z0-9-]+$/, ''));
  }
  return owners;
}

/**
 * The owning package of each absolute host path, asked in one dpkg-query call. dpkg
 * records a file under the name its package shipped ("/lib/x86_64-linux-gnu/...") even
 * on a merged-/usr system, so both spellings are asked. Paths no package owns are
 * absent from the result.
 */
export async function hostPackageOwners(paths: string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  if (paths.length === 0) return result;
  const dpkgQuery = findHostTool('dpkg-query');
  if (!dpkgQuery) throw new HostPackageQueryError('no dpkg-query on the build host: cannot tell which package owns a host library');
  const asked = new Set<string>();
  for (const path of paths) {
    asked.add(path);
    const alternate = alternateUsrPath(path);
    if (alternate) asked.add(alternate);
  }
  let stdout: string;
  try {
    // Exit status 1 only means some paths are owned by no package.
    const result = await execa(dpkgQuery, ['-S', ...asked], { env: { LC_ALL: 'C' }, reject: false });
    if (result.exitCode !== 0 && result.exitCode !== 1) throw result;
    stdout = result.stdout;
  } catch (error) {
    const detail = error instanceof ExecaError ? String(error.stderr ?? '').trim() : String(error);
    throw new HostPackageQueryError(`dpkg-query -S failed: ${detail}`, { cause: error });
  }
  const owners = parseDpkgSearch(stdout);
  for (const path of paths) {
    const alternate = alternateUsrPath(path);
    const owner = owners.get(path) ?? (alternate ? owners.get(alternate) : undefined);
    if (owner) result.set(path, owner);
  }
  return result;
}
