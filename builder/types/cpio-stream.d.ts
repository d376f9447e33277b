// cpio-stream ships no type declarations; this covers the part the adapter uses.
declare module 'cpio-stream' {
  import type { Readable, Writable } from 'node:stream';

  export interface CpioHeader {
    name: string;
    type?: 'file' | 'directory' | 'symlink' | 'character-device' | 'block-device' | 'fifo' | 'socket';
    mode?: number;
    uid?: number;
    gid?: number;
    nlink?: number;
    mtime?: Date | number;
    size?: number;
    ino?: number;
    dev?: number;
    devmajor?: number;
    devminor?: number;
    rdevmajor?: number;
    rdevminor?: number;
    linkname?: string;
  }

  export interface Pack extends Readable {
    entry(header: CpioHeader, body?: Buffer | string, callback?: (err?: Error) => void): Writable;
    finalize(): void;
  }

  export interface Extract extends Writable {
    on(event: 'entry', listener: (header: CpioHeader, stream: Readable, next: () => void) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  export function pack(opts?: { format?: 'odc' | 'newc' }): Pack;
  export function extract(): Extract;
}
