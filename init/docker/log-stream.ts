// Docker multiplexes a non-tty container's stdout and stderr into one stream of frames:
// an 8-byte header (stream type, three zero bytes, big-endian payload length), then
// the payload. A tty container's stream is raw and has no frames.

export interface LogFrame {
  stream: 'stdin' | 'stdout' | 'stderr';
  data: Buffer;
}

const streams = ['stdin', 'stdout', 'stderr'] as const;

/** Splits a multiplexed body into frames; a body that is not framed comes back as one stdout frame. */
export function demuxLogStream(body: Buffer): LogFrame[] {
  const frames: LogFrame[] = [];
  let offset = 0;
  while (offset + 8 <= body.length) {
    const type = body[offset]!;
    if (type > 2 || body[offset + 1] !== 0 || body[offset + 2] !== 0 || body[offset + 3] !== 0) {
      return offset === 0 ? [{ stream: 'stdout', data: body }] : frames;
    }
    const length = body.readUInt32BE(offset + 4);
    const end = Math.min(body.length, offset + 8 + length);
    frames.push({ stream: streams[type]!, data: body.subarray(offset + 8, end) });
    offset = end;
  }
  if (offset === 0 && body.length > 0) return [{ stream: 'stdout', data: body }];
  return frames;
}
