import type { LogTarget } from '../logs/log-targets.ts';
import type { Ipv4Cidr } from '../net/ipv4-cidr.ts';
import type { RemoteConfig } from '../tls/remote-args.ts';
import type { UserConfig } from './user-config/user-config.ts';
import type { SwarmConfig, SwarmOptions } from './swarm-options.ts';

/**
 * The init's settings: the kernel command line (`od.*`, and the kernel's own console= and
 * log level) over the user configuration file's `od:` options, and the rest of that file.
 */
export interface InitConfig {
  /** od.debug: dockerd's log on the console too, and debug lines from the init. */
  debug: boolean;
  /** od.hostname */
  hostname: string;
  disk: {
    /** od.disk.timeout in seconds on the command line; how long to wait for the disk labelled DOCKER (0: look once). */
    timeoutMs: number;
    /** od.disk.format: the one device that may be formatted as DOCKER, and only when it is blank. */
    format: string | null;
    /** od.disk.settle in seconds: the wait ends early once no device appeared for this long (0: never early). */
    settleMs: number;
  };
  shutdown: {
    /** od.shutdown.timeout in seconds on the command line; how long containers get to stop. */
    timeoutMs: number;
  };
  dockerd: {
    /** od.dockerd.args, split into words; appended to dockerd's command line. */
    args: string[];
    /** od.dockerd.timeout in seconds on the command line; how long to wait for /_ping. */
    timeoutMs: number;
    /** od.storage.driver: dockerd --storage-driver; null = dockerd's choice (overlay2). */
    storageDriver: string | null;
    /** od.bridge: a bridge the init creates with od.bip's address; dockerd gets -b NAME. */
    bridge: string | null;
    /** od.bip: the bridge's address; alone, dockerd gets --bip and keeps docker0. */
    bip: Ipv4Cidr | null;
  };
  /** od.log: where logs go; null = files, and the console too with od.debug. */
  log: LogTarget | null;
  net: NetConfig;
  console: ConsoleConfig;
  /** od.remote, od.remote.insecure: dockerd's API over TCP (off unless asked for). */
  remote: RemoteConfig;
  /** The kernel's own parameters the init follows (config/kernel-params.ts). */
  kernel: KernelConfig;
  /** od.swarm.* as given (config/swarm-options.ts); what counts is `swarm`, where they are merged. */
  swarmOptions: SwarmOptions;
  /** The swarm to start or join: the configuration's `swarm:` with od.swarm.* over it; null: no swarm. */
  swarm: SwarmConfig | null;
  /** The user configuration file(s), merged (config/user-config/); its od: options are already applied above. */
  user: UserConfig;
}

export interface NetConfig {
  /** od.dhcp: run the DHCP container (ignored when od.net.address gives a static address). */
  dhcp: boolean;
  /** od.dhcp.timeout in seconds on the command line; how long the boot waits for the first lease. */
  dhcpTimeoutMs: number;
  /** od.net.interface: the interface DHCP or the static address configures; `auto` = the first NIC. */
  interface: string;
  /** od.net.address: a static IPv4 address and prefix, configured instead of DHCP. */
  address: Ipv4Cidr | null;
  /** od.net.gateway: the default route of the static address. */
  gateway: string | null;
  /** od.net.dns: name servers written to resolv.conf with a static address. */
  dns: string[];
}

export interface ConsoleConfig {
  /** od.console: terminals that get a console container; null = those the kernel's console= names. */
  terminals: string[] | null;
  /** od.console.image: the console image, instead of console-image:latest or the bundled one. */
  image: string | null;
}

export interface KernelConfig {
  /** The terminals the kernel's console= parameters name, in order (ttyS0 and tty1 without any). */
  consoles: string[];
  /** loglevel=, quiet, debug or ignore_loglevel: someone chose the kernel's console log level. */
  logLevelChosen: boolean;
}
