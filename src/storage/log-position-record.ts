/**
 * In cluster mode a shard's writes come from its partition's stream (src/cluster/), and this
 * WAL record says how far: the highest stream sequence whose message is in the records before
 * it. It is appended in the same WAL append as those write batches, so a torn tail can take
 * the position only together with writes logged after it, never leave it ahead of them.
 * Recovery resumes the stream after the highest position found (or kept in the manifest);
 * a message logged but whose position was lost is applied again, which changes nothing:
 * its points carry the sequence numbers fixed in the message, so they overwrite themselves.
 *
 * Layout: 'S' 'L' 'P' version | reserved u32 | position f64 (little-endian).
 */
const MAGIC = [0x53, 0x4c, 0x50] as const;
const VERSION = 1;
const SIZE = 16;

export function isLogPositionRecord(payload: Uint8Array): boolean {
  return payload.length >= 4 && payload[0] === MAGIC[0] && payload[1] === MAGIC[1] && payload[2] === MAGIC[2];
}

export function encodeLogPositionRecord(position: number): Uint8Array {
  const bytes = new Uint8Array(SIZE);
  bytes.set(MAGIC, 0);
  bytes[3] = VERSION;
  new DataView(bytes.buffer).setFloat64(8, position, true);
  return bytes;
}

export function decodeLogPositionRecord(payload: Uint8Array): number {
  if (!isLogPositionRecord(payload) || payload[3] !== VERSION || payload.length !== SIZE) throw new Error(`not a log position record of version ${VERSION}`);
  return new DataView(payload.buffer, payload.byteOffset, SIZE).getFloat64(8, true);
}
