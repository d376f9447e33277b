import type { Step } from '../context.ts';
import { netConfigured } from '../../contract/events.ts';
import { describeError, OdError } from '../../contract/errors.ts';
import { firstDeviceInterface, waitForInterface } from '../net/interfaces.ts';
import { formatIpv4Cidr } from '../net/ipv4-cidr.ts';
import { applyStaticAddress, interfaceAddressCommands } from '../net/static-address.ts';
import type { InterfaceSpec } from '../config/user-config/user-config.ts';

/** Some of the configuration's interfaces could not be set up (each is named on the console). */
export class InterfacesNotConfiguredError extends OdError {}

/** A second card is probed with the first; it may still be on its way when the step runs. */
const interfaceWaitMs = 5_000;

/**
 * The configuration's `interfaces:` (a second card on a private segment, e.g. between
 * VMs of a swarm): each waited for, given its MTU and address with busybox `ip`, no
 * default route. The card of od.net.interface is left to DHCP or od.net.address. After
 * configureNetwork (the lead wires it in plan.ts).
 */
export const configureInterfaces: Step = {
  name: 'configureInterfaces',
  required: false,
  async run(ctx) {
    const wanted = ctx.config.user.interfaces;
    if (wanted.length === 0) return { skipped: 'no interfaces in the configuration' };
    const primary = ctx.config.net.interface === 'auto' ? firstDeviceInterface(ctx.paths.sysClassNet) : ctx.config.net.interface;
    const configure = async (spec: InterfaceSpec): Promise<boolean> => {
      if (spec.name === primary) {
        ctx.console.warn(`${spec.name} is od.net.interface, which DHCP or od.net.address configures: left out of interfaces`);
        return false;
      }
      const started = performance.now();
      try {
        await waitForInterface(ctx.paths.sysClassNet, spec.name, interfaceWaitMs);
        await applyStaticAddress(ctx.paths.busybox, interfaceAddressCommands(spec.name, spec.address, spec.mtu));
      } catch (error) {
        ctx.console.warn(`${spec.name}: not configured: ${describeError(error)}`);
        return false;
      }
      ctx.console.event(netConfigured(spec.name, spec.address.ip, performance.now() - started));
      ctx.console.info(`${spec.name}: ${formatIpv4Cidr(spec.address)}${spec.mtu === undefined ? '' : `, MTU ${spec.mtu}`}, no default route (interfaces:)`);
      return true;
    };
    // Side by side: a card that never appears does not delay the others.
    const done = await Promise.all(wanted.map(configure));
    const failed = wanted.filter((_, index) => !done[index]).map((spec) => spec.name);
    if (failed.length > 0) throw new InterfacesNotConfiguredError(`${failed.length} of ${wanted.length} interfaces not configured: ${failed.join(', ')}`);
  },
};
