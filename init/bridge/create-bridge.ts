import type { Step } from '../context.ts';
import { ensureBridge, type RunCommand } from './bridge.ts';
import { formatIpv4Cidr } from '../net/ipv4-cidr.ts';

export function makeCreateBridge(run?: RunCommand): Step {
  return {
    name: 'createBridge',
    required: false,
    async run(ctx) {
      const { bridge, bip } = ctx.config.dockerd;
      if (!bridge) return { skipped: bip ? 'od.bip without od.bridge: dockerd sets up docker0 with --bip' : 'no od.bridge' };
      if (!bip) {
        ctx.console.warn(`od.bridge=${bridge} needs od.bip=<address/prefix> for its address; dockerd keeps docker0`);
        return { skipped: 'od.bridge without od.bip' };
      }
      ctx.bridge = { name: bridge, ready: false };
      const how = await ensureBridge({
        name: bridge,
        address: bip,
        busybox: ctx.paths.busybox,
        sysClassNet: ctx.paths.sysClassNet,
        ...(run ? { run } : {}),
        debug: (m) => ctx.console.debug(m),
      });
      ctx.bridge.ready = true;
      ctx.console.info(`bridge ${bridge} ${how === 'created' ? 'created' : 'already there'} with ${formatIpv4Cidr(bip)}; dockerd gets -b ${bridge}`);
    },
  };
}

export const createBridge: Step = makeCreateBridge();
