// /etc/ssl/certs/ca-certificates.crt, which Debian's update-ca-certificates would make
// at install time: every certificate the ca-certificates package ships, concatenated.
// Without it dockerd cannot pull over TLS.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { file, type FileRecord } from '../cpio/records.ts';
import { OdError } from '../../contract/errors.ts';

export class CaBundleError extends OdError {}

export async function caBundleRecord(stagingDir: string): Promise<FileRecord> {
  const root = join(stagingDir, 'usr/share/ca-certificates');
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.crt')) found.push(path);
    }
  };
  try {
    await walk(root);
  } catch (cause) {
    throw new CaBundleError(`no certificates under ${root}: is "ca-certificates" in the configuration's packages?`, { cause });
  }
  if (found.length === 0) throw new CaBundleError(`no .crt files under ${root}`);
  const pems = await Promise.all(found.map((path) => readFile(path, 'utf8')));
  const bundle = pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
  return file('etc/ssl/certs/ca-certificates.crt', { data: Buffer.from(bundle) });
}
