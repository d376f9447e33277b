// The remote API's certificates, in two steps around the network.
//
// dockerd must start before the network (DHCP runs as a container), yet the server
// certificate should name the address DHCP hands out, and dockerd reads its
// certificate only when it starts. So:
//
//  - prepareTls, before startDockerd, makes or loads the certificates. A server
//    certificate from the last boot is kept as long as it names the host name and
//    loopback; when it has to be made, it also names the addresses the old one named
//    (the last lease is the best guess at this one). dockerd starts with TLS at once.
//  - refreshTls, after runDhcp, compares the certificate with the addresses the machine
//    has now. Only when one is missing (the first boot, or a new network) is a new
//    server certificate made and dockerd restarted through its supervisor, which brings
//    back the containers that have a restart policy (the DHCP client has one); the
//    console starts after this step and is not disturbed.
//
// On a persistent disk the restart happens once, not at every boot: the address is
// usually the same next time, and more names than needed cost nothing. Stopping the
// TCP listener until the network is up was the other choice; it costs the same restart
// at every boot. A TLS proxy in the init could swap certificates without any restart,
// but it would put network-facing parsing into PID 1 and serve the API through a
// second TLS implementation instead of dockerd's own --tlsverify.
import type { BootContext, Step } from '../context.ts';
import { machineAddresses, serverAddresses, serverDnsNames } from '../tls/addresses.ts';
import { copyClientCertificates } from '../tls/cert-share.ts';
import { readPersistence } from '../tls/persistence.ts';
import { tlsReady, tlsRenewed } from '../../contract/events.ts';
import { OdError } from '../../contract/errors.ts';
import { within } from '../sys/within.ts';

export class TlsRestartError extends OdError {}

// The X.509 library and its ASN.1 modules (~500 KB of JavaScript) are loaded only by a
// boot that uses the remote API: the bundle turns this dynamic import into a require on
// first use.
const loadEnsure = () => import('../tls/ensure-certificates.ts');

async function copyToShare(ctx: BootContext, layout: NonNullable<BootContext['tls']>['layout']): Promise<void> {
  try {
    const copied = await copyClientCertificates({ sys: ctx.sys, layout, driverDir: ctx.paths.virtio9pDriver, mountPoint: ctx.paths.certShareMount });
    if (copied) ctx.console.info('client certificates copied to the host through the odcerts share (run.sh prints DOCKER_CERT_PATH)');
    else ctx.console.info(`for a client elsewhere: ca.pem, cert.pem and key.pem of ${layout.client.dir} (cat them in the console) in one directory, DOCKER_CERT_PATH=that directory DOCKER_TLS_VERIFY=1`);
  } catch (error) {
    ctx.console.warn(`cannot copy the client certificates to the host: ${(error as Error).message}`);
  }
}

export const prepareTls: Step = {
  name: 'prepareTls',
  required: false,
  async run(ctx) {
    const remote = ctx.config.remote;
    if (!remote.tls) {
      return { skipped: remote.insecure ? 'od.remote.insecure needs no certificates' : 'the remote API is off (od.remote=tls turns it on)' };
    }
    const started = performance.now();
    const dir = ctx.paths.tlsDir;
    const { persistent, where } = readPersistence(dir, ctx.paths.procSelfMountinfo);
    const { ensureCertificates } = await loadEnsure();
    const result = await ensureCertificates({
      dir,
      dnsNames: serverDnsNames(ctx.config.hostname),
      addresses: serverAddresses(machineAddresses()),
      keepOldAddresses: true,
    });
    ctx.tls = { layout: result.layout, persistent, managedByUser: result.managedByUser };

    if (result.managedByUser) {
      ctx.console.info(`${dir}: server certificates without ca/key.pem are yours; used as they are, never replaced`);
    } else if (result.issued.length) {
      ctx.console.info(`made TLS certificates in ${dir}: ${result.reasons.join('; ')}`);
    } else {
      ctx.console.info(`TLS certificates in ${dir} reused`);
    }
    if (!persistent) {
      ctx.console.warn(
        `no DOCKER disk: the remote API's CA and client certificate live in RAM (${where}) and are NEW AT EVERY BOOT; ` +
          `fetch ${result.layout.client.dir}/ again after each reboot`,
      );
    }
    if (result.clientFingerprint) ctx.console.info(`client certificate ${result.layout.client.cert}, SHA-256 ${result.clientFingerprint}`);
    await copyToShare(ctx, result.layout);
    ctx.console.event(tlsReady(persistent, result.issued.length > 0, performance.now() - started));
  },
};

/**
 * A planned restart through the supervisor: SIGTERM (dockerd stops its containers and
 * containerd), then at once the same command line, whose files now hold the new
 * certificate. Bounded here too: a dockerd that keeps failing is the supervisor's to
 * retry, not a reason to hold up the boot forever.
 */
async function restartDockerd(ctx: BootContext, reason: string): Promise<boolean> {
  const supervisor = ctx.dockerdSupervisor;
  if (!supervisor?.restartEnabled) return false;
  const waitMs = ctx.config.dockerd.timeoutMs + 60_000;
  const back = await within(supervisor.restart(reason, { graceMs: 30_000 }).then(() => true), waitMs, false);
  if (!back) throw new TlsRestartError(`dockerd was not back within ${waitMs / 1000} s after the restart for the new certificate`);
  return true;
}

export const refreshTls: Step = {
  name: 'refreshTls',
  required: false,
  async run(ctx) {
    const tls = ctx.tls;
    if (!tls) return { skipped: ctx.config.remote.tls ? 'no certificates (prepareTls did not make them)' : 'the remote API is off' };
    if (tls.managedByUser) return { skipped: 'the certificates are yours: not replaced' };
    const started = performance.now();
    const addresses = machineAddresses();
    const { ensureCertificates } = await loadEnsure();
    const result = await ensureCertificates({
      dir: tls.layout.root,
      dnsNames: serverDnsNames(ctx.config.hostname),
      addresses: serverAddresses(addresses),
      keepOldAddresses: false,
    });
    if (!result.issued.length) {
      ctx.console.info(`the server certificate names every address of the machine (${addresses.join(', ')})`);
      return;
    }
    const reason = result.reasons.join('; ');
    if (result.issued.includes('client')) await copyToShare(ctx, tls.layout);
    ctx.console.info(`new server certificate (${reason}); restarting dockerd to serve it`);
    if (!(await restartDockerd(ctx, `new server certificate: ${reason}`))) {
      ctx.console.warn('dockerd is not supervised: it serves the new certificate from its next start');
    }
    ctx.console.event(tlsRenewed(tls.persistent, reason, performance.now() - started));
  },
};
