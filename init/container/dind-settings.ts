// The docker:dind environment variables, read once and checked: what a CI user sets on
// the service container (README, "Docker-in-Docker").
import { isIP } from 'node:net';

export interface DindSettings {
  /** DOCKER_TLS_CERTDIR: ca/, server/, client/ as in docker:dind; undefined: no TLS (2375). */
  tlsCertDir: string | undefined;
  /** DOCKER_TLS_SAN: extra names and addresses for the server certificate. */
  extraDnsNames: string[];
  extraAddresses: string[];
  /** DOCKER_LAUNCH_DEBUG: the init's own detail, and dockerd with --debug. */
  debug: boolean;
  /** DOCKER_IPTABLES_LEGACY: 1 forces iptables-legacy, 0 nf_tables; unset: detect. */
  iptables: 'legacy' | 'nft' | 'detect';
  /** DOCKER_DRIVER (GitLab CI's name): --storage-driver unless the arguments name one. */
  storageDriver: string | undefined;
  /** What was set but not understood: reported, the default used. */
  warnings: string[];
}

const defaultCertDir = '/certs';
const truthy = new Set(['1', 'true', 'yes', 'on']);
const falsy = new Set(['0', 'false', 'no', 'off', '']);

/** docker:dind accepts `DNS:name`, `IP:addr` or a bare name/address, separated by spaces or commas. */
function parseSans(value: string, warnings: string[]): { dns: string[]; ip: string[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const item of value.split(/[\s,]+/).filter(Boolean)) {
    const colon = item.indexOf(':');
    const prefix = colon > 0 ? item.slice(0, colon).toUpperCase() : '';
    const rest = prefix === 'DNS' || prefix === 'IP' ? item.slice(colon + 1) : item;
    if (prefix === 'IP' || (prefix === '' && isIP(rest) !== 0)) {
      if (isIP(rest) === 0) warnings.push(`DOCKER_TLS_SAN: "${item}" is not an IP address; ignored`);
      else ip.push(rest);
    } else if (/^[A-Za-z0-9*]([A-Za-z0-9.*-]{0,252})$/.test(rest)) {
      dns.push(rest.toLowerCase());
    } else {
      warnings.push(`DOCKER_TLS_SAN: "${item}" is neither a DNS name nor an IP address; ignored`);
    }
  }
  return { dns, ip };
}

function flag(env: NodeJS.ProcessEnv, name: string, warnings: string[]): boolean | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim().toLowerCase();
  if (truthy.has(value)) return true;
  if (falsy.has(value)) return false;
  warnings.push(`${name}=${raw} is not a yes/no value (1, 0, true, false); ignored`);
  return undefined;
}

export function readDindSettings(env: NodeJS.ProcessEnv): DindSettings {
  const warnings: string[] = [];
  // Set but empty means "no TLS", as in docker:dind; unset means the default directory.
  const certDirRaw = env.DOCKER_TLS_CERTDIR;
  let tlsCertDir: string | undefined = certDirRaw === undefined ? defaultCertDir : certDirRaw.trim() || undefined;
  if (tlsCertDir !== undefined && !tlsCertDir.startsWith('/')) {
    warnings.push(`DOCKER_TLS_CERTDIR=${certDirRaw} is not an absolute path; using ${defaultCertDir}`);
    tlsCertDir = defaultCertDir;
  }
  const sans = parseSans(env.DOCKER_TLS_SAN ?? '', warnings);
  const legacy = flag(env, 'DOCKER_IPTABLES_LEGACY', warnings);
  const driver = env.DOCKER_DRIVER?.trim();
  let storageDriver: string | undefined;
  if (driver) {
    if (/^[a-z0-9_-]{1,32}$/.test(driver)) storageDriver = driver;
    else warnings.push(`DOCKER_DRIVER=${driver} is not a storage driver name; ignored`);
  }
  return {
    tlsCertDir,
    extraDnsNames: sans.dns,
    extraAddresses: sans.ip,
    debug: flag(env, 'DOCKER_LAUNCH_DEBUG', warnings) ?? false,
    iptables: legacy === undefined ? 'detect' : legacy ? 'legacy' : 'nft',
    storageDriver,
    warnings,
  };
}
