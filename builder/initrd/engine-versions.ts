// The versions a person asks about first ("which Docker is this?"), picked out of the
// fetched packages for the build report. Debian spells them with its own suffixes
// (26.1.5+dfsg1-9+deb13u1+b1): the upstream part is what Docker calls the version.
export interface PackageVersion {
  name: string;
  version: string;
}

/** Component name -> the Debian package that carries it. */
const ENGINE_PACKAGES: Readonly<Record<string, string>> = {
  docker: 'docker.io',
  dockerCli: 'docker-cli',
  containerd: 'containerd',
  runc: 'runc',
  compose: 'docker-compose',
  buildx: 'docker-buildx',
};

/** "1:26.1.5+dfsg1-9+deb13u1+b1" -> "26.1.5"; "1.7.24~ds1-6" -> "1.7.24". */
export function upstreamVersion(debianVersion: string): string {
  const withoutEpoch = debianVersion.replace(/^\d+:/, '');
  const withoutRevision = withoutEpoch.includes('-') ? withoutEpoch.slice(0, withoutEpoch.lastIndexOf('-')) : withoutEpoch;
  return withoutRevision.replace(/[~+].*$/, '');
}

/** The engine's components that the build has, by name; a missing package is left out. */
export function engineVersions(packages: readonly PackageVersion[], kernel: string): Record<string, string> {
  const byName = new Map(packages.map((p) => [p.name, p.version]));
  const versions: Record<string, string> = { kernel };
  for (const [component, name] of Object.entries(ENGINE_PACKAGES)) {
    const version = byName.get(name);
    if (version !== undefined) versions[component] = upstreamVersion(version);
  }
  return versions;
}
