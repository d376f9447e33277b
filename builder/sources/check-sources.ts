// End-to-end check of the sources against the real Debian archive: fetches the packages
// an only-docker initrd is made of into <repo>/.cache, extracts them, finds the kernel,
// computes the module closure and the shared-library closure of the Docker engine with
// the host refused (so the fetched list alone is proven complete), and prints what it
// found with timings. Slow when cold (downloads ~140 MB), so it is a script, not a test:
//   node --import tsx builder/sources/check-sources.ts [--cache DIR] [--json]
// Exit status 0 when everything resolves, 1 otherwise.
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchPackages, type PackageRequest } from './debian-packages.ts';
import { extractPackages } from './extract-packages.ts';
import { ensureModuleIndexes, findKernelTree, readModuleIndex } from './kernel.ts';
import { loadListBody, requireCompleteClosure, resolveModuleClosure } from './module-closure.ts';
import { resolveLibraryClosure } from './library-closure.ts';

/**
 * The packages that make a working engine. The libraries are listed explicitly, glibc
 * included, so the closure needs nothing from the build host (hostFallback 'none').
 */
export const CHECK_PACKAGES: Array<string | PackageRequest> = [
  { name: 'linux-image-amd64', follow: 'linux-image-*' },
  'docker.io', 'containerd', 'runc', 'tini',
  'iptables', 'libip4tc2', 'libip6tc2', 'libxtables12', 'libnftnl11', 'libmnl0',
  'libnetfilter-conntrack3', 'libnfnetlink0',
  'busybox-static', 'ca-certificates',
  // dockerd: libdevmapper (and its libselinux/libudev/libpcre2), libsystemd (and its
  // compression and crypto libraries); runc: libseccomp.
  'libdevmapper1.02.1', 'libseccomp2', 'libsystemd0',
  'libselinux1', 'libpcre2-8-0', 'libudev1', 'libcap2', 'libgcrypt20', 'libgpg-error0',
  'liblz4-1', 'liblzma5', 'libzstd1',
  'libc6', 'libgcc-s1',
];

/** Files of the engine inside the staging root, as the Debian packages ship them. */
export const CHECK_BINARIES = [
  'usr/sbin/dockerd',
  'usr/bin/docker',
  'usr/sbin/docker-proxy',
  'usr/bin/containerd',
  'usr/bin/containerd-shim-runc-v2',
  'usr/sbin/runc',
  'usr/bin/tini-static',
  'usr/sbin/xtables-nft-multi',
  'bin/busybox',
];

export const XTABLES_DIR = 'usr/lib/x86_64-linux-gnu/xtables';

/** Modules Docker needs at boot, and the virtual hardware of QEMU and VirtualBox. */
export const CHECK_MODULES = [
  'overlay',
  'bridge', 'br_netfilter', 'veth', 'tun', 'macvlan', 'ipvlan', 'vxlan', '8021q',
  'nfnetlink', 'nf_tables', 'nft_chain_nat', 'nft_compat', 'nft_ct', 'nft_nat', 'nft_masq',
  'nf_conntrack', 'nf_nat', 'nf_conntrack_netlink',
  'ip_tables', 'ip6_tables', 'iptable_nat', 'iptable_filter', 'ip6table_nat', 'ip6table_filter',
  'xt_MASQUERADE', 'xt_addrtype', 'xt_conntrack', 'xt_nat', 'xt_tcpudp', 'xt_mark', 'xt_comment',
  'virtio_net', 'virtio_pci', 'virtio_blk', 'virtio_scsi', 'virtio_console',
  'e1000', 'e1000e', 'pcnet32',
  'ahci', 'ata_piix', 'sd_mod', 'sr_mod',
  'ext4', 'crc32c_generic', 'af_packet',
];

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function sizeOf(path: string): Promise<number> {
  return (await stat(path)).size;
}

async function dirSize(path: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += await sizeOf(join(entry.parentPath ?? entry.path, entry.name));
  }
  return { files, bytes };
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const cacheIndex = args.indexOf('--cache');
  const cacheDir = resolve(cacheIndex >= 0 ? args[cacheIndex + 1]! : join(REPO_ROOT, '.cache'));
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await run();
    } finally {
      timings[name] = Math.round(performance.now() - start);
    }
  };

  const packages = await time('fetch', () =>
    fetchPackages(CHECK_PACKAGES, { cacheDir, onProgress: (message) => console.error(`fetch: ${message}`) }),
  );
  // Extracting the kernel package dominates a warm run: reuse the staging root while
  // the package set is the same, with the file owners kept beside it.
  const staging = join(cacheDir, 'check-staging');
  const markerPath = join(staging, '.check-extracted.json');
  const packageKey = packages.map((p) => `${p.name} ${p.sha256}`).join('\n');
  const owners = await time('extract', async () => {
    const marker = await readFile(markerPath, 'utf8').then((text) => JSON.parse(text) as { key: string; owners: Array<[string, string]> }).catch(() => undefined);
    if (marker?.key === packageKey) return new Map(marker.owners);
    await rm(staging, { recursive: true, force: true });
    const extraction = await extractPackages(packages, staging);
    if (extraction.overwritten.length > 0) {
      console.log(`files shipped by two packages: ${extraction.overwritten.map((o) => `${o.path} (${o.first}, ${o.second})`).join('; ')}`);
    }
    await writeFile(markerPath, JSON.stringify({ key: packageKey, owners: [...extraction.owners] }));
    return extraction.owners;
  });
  const kernel = await time('kernel', async () => {
    const tree = await findKernelTree(staging);
    await ensureModuleIndexes(tree);
    return tree;
  });
  const closure = await time('modules', async () =>
    requireCompleteClosure(resolveModuleClosure(await readModuleIndex(kernel.modulesDir), CHECK_MODULES)),
  );
  const xtables = (await readdir(join(staging, XTABLES_DIR))).filter((name) => name.endsWith('.so')).map((name) => `${XTABLES_DIR}/${name}`);
  const libraries = await time('libraries', () => resolveLibraryClosure([...CHECK_BINARIES, ...xtables], staging, { hostFallback: 'none' }));

  const owner = (path: string): string => owners.get(path) ?? '?';
  const moduleBytes = (await Promise.all(closure.modules.map((m) => sizeOf(join(kernel.modulesDir, m.path))))).reduce((a, b) => a + b, 0);
  const libraryBytes = (await Promise.all(libraries.map((l) => sizeOf(l.sourcePath)))).reduce((a, b) => a + b, 0);
  const xtablesSize = await dirSize(join(staging, XTABLES_DIR));

  console.log(`packages (${packages.length}, ${packages.filter((p) => p.cached).length} from cache):`);
  for (const p of packages) {
    console.log(`  ${p.name} ${p.version} ${p.architecture} ${mb(p.size)}${p.followedFrom ? ` (followed from ${p.followedFrom})` : ''}`);
  }
  console.log(`kernel ${kernel.version}: ${kernel.vmlinuzPath.slice(staging.length)} ${mb(await sizeOf(kernel.vmlinuzPath))}`);
  console.log('binaries:');
  for (const path of CHECK_BINARIES) console.log(`  /${path} ${mb(await sizeOf(join(staging, path)))} (${owner(path)})`);
  console.log(`xtables extensions: /${XTABLES_DIR} ${xtablesSize.files} files ${mb(xtablesSize.bytes)} (${owner(xtables[0]!)})`);
  console.log(`modules: ${closure.modules.length} files ${mb(moduleBytes)}, built in: ${closure.builtin.join(' ') || 'none'}`);
  console.log(`  load order: ${closure.modules.map((m) => m.name).join(' ')}`);
  for (const alias of closure.resolvedAliases) console.log(`  alias ${alias.alias} -> ${alias.modules.join(' ')}`);
  console.log(`libraries: ${libraries.length} files ${mb(libraryBytes)}`);
  for (const lib of libraries) {
    const from = lib.sourcePath.startsWith(staging) ? lib.sourcePath.slice(staging.length) : lib.sourcePath;
    console.log(`  ${lib.targetPath} <- ${from} (${owner(from.slice(1))}) for ${lib.neededBy.slice(0, 4).join(' ')}${lib.neededBy.length > 4 ? ' ...' : ''}`);
  }
  console.log(`load list: ${loadListBody(closure).split('\n').length - 1} lines`);
  console.log(`timings ms: ${JSON.stringify(timings)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
