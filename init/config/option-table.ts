// Every od.* option, once: its key, the schema of its value, its default (in the
// schema's output type), what it is for, where it goes in the InitConfig and how a value
// is shown. The defaults of the InitConfig are these, applied (options.ts freshDefaults).
import type * as z from 'zod/mini';
import { argv, bridgeAddress, bridgeName, logTarget, remoteMode, storageDriver } from './dockerd-values.ts';
import type { InitConfig } from './init-config.ts';
import { hostname, imageReference, interfaceName, ipv4, ipv4Cidr, nameServers, terminals } from './net-console-values.ts';
import { blockDevicePath } from './storage-values.ts';
import { swarmAdvertise, swarmJoinAddress, swarmToken } from './swarm-options.ts';
import { diskWaitSeconds, flag, seconds, shutdownSeconds, type RawValue } from './values.ts';
import type { LogTarget } from '../logs/log-targets.ts';
import { formatIpv4Cidr, type Ipv4Cidr } from '../net/ipv4-cidr.ts';

export interface OptionSpec<T> {
  key: string;
  schema: z.ZodMiniType<T, RawValue>;
  /** The value when the option is absent or bad. */
  fallback: T;
  description: string;
  apply(config: InitConfig, value: T): void;
  /** The value apply set, back from a config: what the effective configuration shows. */
  read(config: InitConfig): T;
  show(value: T): string;
}

function option<T>(spec: OptionSpec<T>): OptionSpec<unknown> {
  return spec as OptionSpec<unknown>;
}

const inSeconds = (v: number) => `${v}s`;
const ms = (s: number) => Math.round(s * 1000);

/** Every od.* option the init knows. A key not in this table is reported as unknown. */
export const optionTable: ReadonlyArray<OptionSpec<unknown>> = [
  option({ key: 'od.debug', schema: flag, fallback: false, description: "dockerd's log on the console too, and the init's debug lines", apply: (c, v) => void (c.debug = v), read: (c) => c.debug, show: String }),
  option({ key: 'od.hostname', schema: hostname, fallback: 'only-docker', description: 'the host name', apply: (c, v) => void (c.hostname = v), read: (c) => c.hostname, show: (v) => v }),
  option({ key: 'od.disk.timeout', schema: diskWaitSeconds, fallback: 10, description: 'how long to wait for the disk labelled DOCKER (0: look once)', apply: (c, v) => void (c.disk.timeoutMs = ms(v)), read: (c) => c.disk.timeoutMs / 1000, show: inSeconds }),
  option({ key: 'od.disk.settle', schema: diskWaitSeconds, fallback: 1.5, description: 'the wait ends early once no device appeared for this long (0: never early)', apply: (c, v) => void (c.disk.settleMs = ms(v)), read: (c) => c.disk.settleMs / 1000, show: inSeconds }),
  option<string | null>({ key: 'od.disk.format', schema: blockDevicePath, fallback: null, description: 'the one device that may be formatted as DOCKER, and only when it is blank', apply: (c, v) => void (c.disk.format = v), read: (c) => c.disk.format, show: (v) => v ?? 'none' }),
  option({ key: 'od.shutdown.timeout', schema: shutdownSeconds, fallback: 10, description: 'how long containers get to stop', apply: (c, v) => void (c.shutdown.timeoutMs = ms(v)), read: (c) => c.shutdown.timeoutMs / 1000, show: inSeconds }),
  option<string[]>({ key: 'od.dockerd.args', schema: argv, fallback: [], description: "words appended to dockerd's command line", apply: (c, v) => void (c.dockerd.args = [...v]), read: (c) => c.dockerd.args, show: (v) => (v.length === 0 ? 'none' : v.join(' ')) }),
  // Docker 26 under TCG on a loaded 2-core host was still setting up its iptables chains
  // 55 s after its start: 120 s is a wait for a slow dockerd, not a hung one.
  option({ key: 'od.dockerd.timeout', schema: seconds, fallback: 120, description: 'how long to wait for /_ping', apply: (c, v) => void (c.dockerd.timeoutMs = ms(v)), read: (c) => c.dockerd.timeoutMs / 1000, show: inSeconds }),
  option<string | null>({ key: 'od.storage.driver', schema: storageDriver, fallback: null, description: 'dockerd --storage-driver', apply: (c, v) => void (c.dockerd.storageDriver = v), read: (c) => c.dockerd.storageDriver, show: (v) => v ?? "dockerd's choice" }),
  option<string | null>({ key: 'od.bridge', schema: bridgeName, fallback: null, description: 'a bridge the init creates with od.bip; dockerd gets -b NAME', apply: (c, v) => void (c.dockerd.bridge = v), read: (c) => c.dockerd.bridge, show: (v) => v ?? 'none, docker0' }),
  option<Ipv4Cidr | null>({ key: 'od.bip', schema: bridgeAddress, fallback: null, description: "the bridge's address; alone, dockerd gets --bip and keeps docker0", apply: (c, v) => void (c.dockerd.bip = v && { ...v }), read: (c) => c.dockerd.bip, show: (v) => (v ? formatIpv4Cidr(v) : "dockerd's choice") }),
  option<LogTarget | null>({ key: 'od.log', schema: logTarget, fallback: null, description: 'where logs go: file, console or both', apply: (c, v) => void (c.log = v), read: (c) => c.log, show: (v) => v ?? 'file, both with od.debug' }),
  option({ key: 'od.dhcp', schema: flag, fallback: true, description: 'run the DHCP container (not with a static address)', apply: (c, v) => void (c.net.dhcp = v), read: (c) => c.net.dhcp, show: (v) => (v ? 'on' : 'off') }),
  option({ key: 'od.dhcp.timeout', schema: seconds, fallback: 30, description: 'how long the boot waits for the first lease', apply: (c, v) => void (c.net.dhcpTimeoutMs = ms(v)), read: (c) => c.net.dhcpTimeoutMs / 1000, show: inSeconds }),
  option({ key: 'od.net.interface', schema: interfaceName, fallback: 'eth0', description: 'the interface DHCP or the static address configures (auto: the first NIC)', apply: (c, v) => void (c.net.interface = v), read: (c) => c.net.interface, show: (v) => v }),
  option<Ipv4Cidr | null>({ key: 'od.net.address', schema: ipv4Cidr, fallback: null, description: 'a static IPv4 address and prefix, instead of DHCP', apply: (c, v) => void (c.net.address = v && { ...v }), read: (c) => c.net.address, show: (v) => (v ? formatIpv4Cidr(v) : 'none, DHCP') }),
  option<string | null>({ key: 'od.net.gateway', schema: ipv4, fallback: null, description: 'the default route of the static address', apply: (c, v) => void (c.net.gateway = v), read: (c) => c.net.gateway, show: (v) => v ?? 'none' }),
  option<string[]>({ key: 'od.net.dns', schema: nameServers, fallback: [], description: 'name servers for resolv.conf with a static address', apply: (c, v) => void (c.net.dns = [...v]), read: (c) => c.net.dns, show: (v) => (v.length ? v.join(',') : 'none') }),
  option<string[] | null>({ key: 'od.console', schema: terminals, fallback: null, description: "terminals that get a console container (none: no console)", apply: (c, v) => void (c.console.terminals = v && [...v]), read: (c) => c.console.terminals, show: (v) => (v === null ? "the kernel's console= terminals" : v.length ? v.join(',') : 'none') }),
  option<string | null>({ key: 'od.console.image', schema: imageReference, fallback: null, description: 'the console image, instead of console-image:latest or the bundled one', apply: (c, v) => void (c.console.image = v), read: (c) => c.console.image, show: (v) => v ?? 'console-image:latest, else the bundled console' }),
  option({ key: 'od.remote', schema: remoteMode, fallback: false, description: "dockerd's API over TCP with TLS", apply: (c, v) => void (c.remote.tls = v), read: (c) => c.remote.tls, show: (v) => (v ? 'tls' : 'off') }),
  option({ key: 'od.remote.insecure', schema: flag, fallback: false, description: "dockerd's API over plain TCP (loudly warned)", apply: (c, v) => void (c.remote.insecure = v), read: (c) => c.remote.insecure, show: (v) => (v ? 'on' : 'off') }),
  option<boolean | null>({ key: 'od.swarm.init', schema: flag, fallback: null, description: 'start a swarm (docker swarm init) unless the node is in one', apply: (c, v) => void (c.swarmOptions.init = v), read: (c) => c.swarmOptions.init, show: (v) => (v === null ? 'the configuration file decides' : v ? 'on' : 'off') }),
  option<string | null>({ key: 'od.swarm.join', schema: swarmJoinAddress, fallback: null, description: 'join the swarm of this manager (HOST:PORT) unless the node is in one', apply: (c, v) => void (c.swarmOptions.join = v), read: (c) => c.swarmOptions.join, show: (v) => v ?? 'the configuration file decides' }),
  // Shown redacted: the effective configuration is readable in the console, and a worker token admits a node.
  option<string | null>({ key: 'od.swarm.token', schema: swarmToken, fallback: null, description: 'the join token for od.swarm.join', apply: (c, v) => void (c.swarmOptions.token = v), read: (c) => c.swarmOptions.token, show: (v) => (v === null ? 'none' : '(redacted)') }),
  option<string | null>({ key: 'od.swarm.advertise', schema: swarmAdvertise, fallback: null, description: 'the interface or address other nodes reach this one at', apply: (c, v) => void (c.swarmOptions.advertise = v), read: (c) => c.swarmOptions.advertise, show: (v) => v ?? 'the configuration file, else od.net.interface' }),
];
