// containerd's configuration when the init runs it (instead of dockerd starting its own):
// the same root, state and socket dockerd would give the containerd it manages, so a
// DOCKER disk from before keeps its containerd metadata and `ctr` finds the socket where
// it always was; and none of the plugins Docker never uses, whose probing is part of
// every boot (the Kubernetes CRI server, snapshotters for filesystems we never mount,
// tracing exporters).

export interface ContainerdPaths {
  /** Persistent state (metadata, content): on the DOCKER disk when there is one. */
  root: string;
  /** Runtime state: sockets, shims' bundles. tmpfs. */
  state: string;
  /** The gRPC socket dockerd is pointed at with --containerd. */
  socket: string;
  /** Where the configuration below is written. */
  configFile: string;
}

/** Where dockerd 26 puts the containerd it manages (libcontainerd/supervisor). */
export const containerdPaths: ContainerdPaths = {
  root: '/var/lib/docker/containerd/daemon',
  state: '/run/docker/containerd/daemon',
  socket: '/run/docker/containerd/containerd.sock',
  configFile: '/run/docker/containerd/containerd.toml',
};

/**
 * Plugins no Docker path uses here. overlayfs and native stay (the containerd image
 * store uses them), as do the runtime, content, metadata and event plugins.
 */
export const disabledPlugins: readonly string[] = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

/** A TOML string: JSON's quoting is valid TOML for the paths and names used here. */
const quote = (value: string): string => JSON.stringify(value);

/** containerd's config.toml (version 2: containerd 1.7 and 2.x both read it). */
export function containerdConfig(paths: ContainerdPaths, options: { debug: boolean }): string {
  return [
    '# Written by the only-docker init at every boot; changes here are lost.',
    'version = 2',
    `root = ${quote(paths.root)}`,
    `state = ${quote(paths.state)}`,
    `disabled_plugins = [${disabledPlugins.map(quote).join(', ')}]`,
    '',
    '[grpc]',
    `  address = ${quote(paths.socket)}`,
    '',
    '[debug]',
    `  level = ${quote(options.debug ? 'debug' : 'info')}`,
    '',
  ].join('\n');
}
