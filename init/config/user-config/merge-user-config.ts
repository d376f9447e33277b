// The sources merged into one configuration, later sources over earlier ones (e.g. the
// image's defaults, then a disk's user-data, then fw_cfg). Whole elements are replaced,
// never mixed: a service or a swarm made of two sources' halves is nobody's intent.
import { emptyUserConfig, type UserConfig, type UserConfigLayer } from './user-config.ts';

/** A list merged by identity: a later element replaces the earlier one in its place; new ones are appended. */
function mergeBy<T>(earlier: readonly T[], later: readonly T[], identity: (item: T) => string): T[] {
  const merged = new Map<string, T>(earlier.map((item) => [identity(item), item]));
  for (const item of later) merged.set(identity(item), item);
  return [...merged.values()];
}

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Mappings merged key by key at every depth, a later value winning; lists and scalars replaced whole. */
function deepMerge(earlier: Record<string, unknown>, later: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...earlier };
  for (const [key, value] of Object.entries(later)) {
    const before = merged[key];
    // defineProperty: a key named __proto__ (YAML allows it) stays a key, not a prototype.
    Object.defineProperty(merged, key, { value: isMapping(before) && isMapping(value) ? deepMerge(before, value) : value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}

/** Layers in increasing precedence: the last one wins. */
export function mergeUserConfigLayers(layers: readonly UserConfigLayer[]): UserConfig {
  const config = emptyUserConfig();
  for (const layer of layers) {
    config.sources.push(layer.source);
    if (layer.hostname !== undefined) config.hostname = layer.hostname;
    // Maps merged key by key: a later source adds a registry mirror without repeating the log options.
    if (layer.docker?.daemon) config.docker.daemon = deepMerge(config.docker.daemon, layer.docker.daemon);
    if (layer.docker?.env) config.docker.env = { ...config.docker.env, ...layer.docker.env };
    if (layer.services) config.services = mergeBy(config.services, layer.services, (s) => s.name);
    if (layer.files) config.files = mergeBy(config.files, layer.files, (f) => f.path);
    if (layer.ssh?.authorizedKeys) config.ssh.authorizedKeys = [...new Set([...config.ssh.authorizedKeys, ...layer.ssh.authorizedKeys])];
    // A list of servers is one choice: a later source's replaces it.
    if (layer.ntp?.servers) config.ntp.servers = [...layer.ntp.servers];
    if (layer.interfaces) config.interfaces = mergeBy(config.interfaces, layer.interfaces, (i) => i.name);
    if (layer.swarm) config.swarm = layer.swarm;
    // In order, like repeated parameters on the command line: the option table applies the last.
    if (layer.od) config.od.push(...layer.od);
  }
  return config;
}
