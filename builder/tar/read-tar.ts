// Reads a whole tar into memory: for checking what the builder wrote (tests, and
// inspecting a bundled image archive), not for large production reads.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';

export interface TarMember {
  header: Header;
  data: Buffer;
}

/** Members in archive order, from a file path or the tar bytes. */
export async function readTar(source: string | Buffer): Promise<TarMember[]> {
  const extract = tar.extract();
  const input = typeof source === 'string' ? createReadStream(source) : Readable.from([source]);
  input.on('error', (error: Error) => extract.destroy(error));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  const members: TarMember[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    members.push({ header: entry.header, data: Buffer.concat(chunks) });
  }
  return members;
}
