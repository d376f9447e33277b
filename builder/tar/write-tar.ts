// The one deterministic tar writer: image layers, `docker save` archives and the
// release tarball all go through it. Entries are written in the order given (each
// caller sorts them its own way), owned by root (uid/gid 0, names "root"), with one
// fixed mtime, so the same inputs give the same bytes. Files on disk are streamed in,
// never read into memory (the docker CLI alone is ~45 MB).
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Header, Pack } from 'tar-stream';
import { OdError } from '../../contract/errors.ts';

export type TarMember =
  /** A directory; its name gets a trailing slash, as tar(1) and Docker write them. */
  | { type: 'directory'; name: string; mode: number }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'file'; name: string; mode: number; bytes: Uint8Array }
  | { type: 'file'; name: string; mode: number; sourcePath: string };

export class TarWriteError extends OdError {}

/** Adds one member and resolves once tar-stream has taken all of it. */
async function addMember(pack: Pack, member: TarMember, mtime: Date): Promise<void> {
  const header: Partial<Header> & { name: string } = { name: member.name, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  if (member.type === 'file' && 'sourcePath' in member) {
    const info = await stat(member.sourcePath);
    if (!info.isFile()) throw new TarWriteError(`${member.sourcePath} is not a regular file`);
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...header, type: 'file', mode: member.mode, size: info.size }, (error) => (error ? reject(error) : resolve()));
      pipeline(createReadStream(member.sourcePath), sink).catch(reject);
    });
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (member.type === 'directory') {
      pack.entry({ ...header, name: member.name.endsWith('/') ? member.name : `${member.name}/`, type: 'directory', mode: member.mode }, done);
    } else if (member.type === 'symlink') {
      pack.entry({ ...header, type: 'symlink', mode: 0o777, linkname: member.target }, done);
    } else {
      pack.entry({ ...header, type: 'file', mode: member.mode, size: member.bytes.byteLength }, Buffer.from(member.bytes), done);
    }
  });
}

/**
 * Writes `members` as a tar to `outPath`, through `stages` (gzip, a hash) when given.
 * A member that cannot be added fails the whole write with its name in the message.
 */
export async function writeTar(outPath: string, members: Iterable<TarMember>, mtime: Date, stages: NodeJS.ReadWriteStream[] = []): Promise<void> {
  const pack = tar.pack();
  // tar-stream's Pack is a streamx stream, which Node's pipeline takes but its types do not.
  const written = pipeline([pack as unknown as NodeJS.ReadableStream, ...stages, createWriteStream(outPath)]);
  try {
    for (const member of members) {
      try {
        await addMember(pack, member, mtime);
      } catch (cause) {
        throw new TarWriteError(`cannot add ${member.name} to ${outPath}: ${(cause as Error).message}`, { cause });
      }
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => undefined);
    throw error;
  }
  try {
    await written;
  } catch (cause) {
    throw new TarWriteError(`cannot write ${outPath}: ${(cause as Error).message}`, { cause });
  }
}
