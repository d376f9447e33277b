// Reads a newc archive back into plain entries: used by tests and by the size report.
import { Readable } from 'node:stream';
import cpio from 'cpio-stream';

export interface ReadEntry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  rdevmajor: number;
  rdevminor: number;
  body: Buffer;
}

export async function readNewcArchive(archive: Buffer | Readable): Promise<ReadEntry[]> {
  const entries: ReadEntry[] = [];
  const extract = cpio.extract();
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const mtime = header.mtime instanceof Date ? header.mtime.getTime() / 1000 : (header.mtime ?? 0);
      entries.push({
        name: header.name,
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        mtime,
        rdevmajor: header.rdevmajor ?? 0,
        rdevminor: header.rdevminor ?? 0,
        // The reader hands a symlink's target over as linkname instead of as its body.
        body: header.linkname !== undefined ? Buffer.from(header.linkname) : Buffer.concat(chunks),
      });
      next();
    });
  });
  (Buffer.isBuffer(archive) ? Readable.from([archive]) : archive).pipe(extract);
  await finished;
  return entries;
}
