// The certificate directory, laid out like the official docker:dind image's
// DOCKER_TLS_CERTDIR: ca/ (cert.pem, key.pem), server/ and client/ (cert.pem, key.pem,
// ca.pem). client/ is what DOCKER_CERT_PATH points at on the machine that connects.
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OdError } from '../../contract/errors.ts';

export interface CertFiles {
  dir: string;
  cert: string;
  key: string;
}

export interface LeafFiles extends CertFiles {
  /** A copy of the CA certificate, so the directory alone is enough for the other side. */
  ca: string;
}

export interface TlsLayout {
  root: string;
  ca: CertFiles;
  server: LeafFiles;
  client: LeafFiles;
}

export function tlsLayout(root: string): TlsLayout {
  const files = (name: string) => ({ dir: join(root, name), cert: join(root, name, 'cert.pem'), key: join(root, name, 'key.pem') });
  return {
    root,
    ca: files('ca'),
    server: { ...files('server'), ca: join(root, 'server', 'ca.pem') },
    client: { ...files('client'), ca: join(root, 'client', 'ca.pem') },
  };
}

/** Private keys: root only. The directories too: nothing in them is anyone else's business. */
export const keyMode = 0o600;
export const certMode = 0o644;
export const dirMode = 0o700;

export class TlsFilesError extends OdError {}

/** The directories, mode 0700 even when they already existed with another mode. */
export async function makeLayoutDirs(layout: TlsLayout): Promise<void> {
  for (const dir of [layout.root, layout.ca.dir, layout.server.dir, layout.client.dir]) {
    try {
      await mkdir(dir, { recursive: true, mode: dirMode });
      await chmod(dir, dirMode);
    } catch (cause) {
      throw new TlsFilesError(`cannot create ${dir}: ${(cause as Error).message}`, { cause });
    }
  }
}

/** The file's text, or undefined when it does not exist or cannot be read. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The rename itself reaches the disk only when the directory is flushed too. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems (9p among them) refuse fsync on a directory: nothing more to do.
  }
}

/**
 * Writes through a temporary file, flushed, then renamed over the old one: a power cut
 * leaves either the old file or the new, never half a key. The mode is set before any
 * byte is written, so a key is never readable by others, not even for a moment.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temporary = join(dirname(path), `.${Date.now()}.${process.pid}.tmp`);
  try {
    const handle = await open(temporary, 'w', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await syncDirectory(dirname(path));
  } catch (cause) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new TlsFilesError(`cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
}
