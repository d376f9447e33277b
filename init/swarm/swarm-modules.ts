// The kernel modules swarm mode uses, and which of them this kernel lacks. A swarm
// forms without them, and fails later in ways that do not name the module (a service
// that no node answers for, an encrypted network that carries nothing): the boot names
// them instead. only-docker.json lists them all for loadModules.
import { readProcModules, sysModuleExists } from '../sys/kernel-modules.ts';

export interface SwarmModule {
  name: string;
  /** What stops working without it. */
  for: string;
}

const routingMesh = 'the routing mesh (published service ports, VIPs)';
const overlay = 'overlay networks';
const encrypted = 'encrypted overlay networks (--opt encrypted)';

export const swarmModules: readonly SwarmModule[] = [
  { name: 'vxlan', for: overlay },
  { name: 'ip_vs', for: routingMesh },
  { name: 'ip_vs_rr', for: routingMesh },
  { name: 'xt_ipvs', for: routingMesh },
  { name: 'xt_mark', for: routingMesh },
  // In each task's namespace Docker redirects the published port to the target port;
  // without it every connection through the mesh is refused (seen: "Extension REDIRECT
  // revision 0 not supported" in dockerd's log, nothing on the console).
  { name: 'xt_REDIRECT', for: routingMesh },
  { name: 'esp4', for: encrypted },
  { name: 'xfrm_user', for: encrypted },
  // Docker's rules for encrypted networks match VXLAN packets with u32 and IPsec policy.
  { name: 'xt_u32', for: encrypted },
  { name: 'xt_policy', for: encrypted },
];

/** The swarm modules that are neither loaded (/proc/modules) nor built in (/sys/module/NAME). */
export function missingSwarmModules(paths: { procModules: string; sysModule: string }): SwarmModule[] {
  const loaded = readProcModules(paths.procModules);
  const present = sysModuleExists(paths.sysModule);
  return swarmModules.filter((module) => !loaded.has(module.name) && !present(module.name));
}

/** One line for the console: the missing modules grouped by what they are for. */
export function describeMissingModules(missing: readonly SwarmModule[]): string {
  const byUse = new Map<string, string[]>();
  for (const module of missing) byUse.set(module.for, [...(byUse.get(module.for) ?? []), module.name]);
  return [...byUse].map(([use, names]) => `${use} need ${names.join(', ')}`).join('; ');
}
