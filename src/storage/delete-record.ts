/**
 * A delete as a WAL record of its own type. WAL records are framed alike (length, crc32,
 * payload); a payload starting with `SDL` is a delete, one starting with `SWB` a write batch
 * (write-batch.ts), so WALs written before deletes existed replay unchanged.
 *
 * Layout: 'S' 'D' 'L' version, then the delete as UTF-8 JSON. A delete names the series it
 * covers (a regex is resolved by the shard when it logs the delete), so replay removes exactly
 * what the delete removed, whatever series exist when it is replayed.
 */
const MAGIC = [0x53, 0x44, 0x4c] as const;
const VERSION = 1;

export interface DeleteRecord {
  /** The tombstone number of the delete (tombstones.ts). */
  readonly tid: number;
  readonly db: string;
  readonly series: readonly string[];
  readonly startUs: number;
  readonly endUs: number;
  /** `drop series`: the series also leaves the catalog. */
  readonly drop: boolean;
}

export function isDeleteRecord(payload: Uint8Array): boolean {
  return payload.length >= 4 && payload[0] === MAGIC[0] && payload[1] === MAGIC[1] && payload[2] === MAGIC[2];
}

export function encodeDeleteRecord(record: DeleteRecord): Uint8Array {
  const json = Buffer.from(JSON.stringify(record));
  const bytes = new Uint8Array(4 + json.length);
  bytes.set(MAGIC, 0);
  bytes[3] = VERSION;
  bytes.set(json, 4);
  return bytes;
}

export function decodeDeleteRecord(payload: Uint8Array): DeleteRecord {
  if (!isDeleteRecord(payload) || payload[3] !== VERSION) throw new Error(`not a delete record of version ${VERSION}`);
  return JSON.parse(Buffer.from(payload.buffer, payload.byteOffset + 4, payload.length - 4).toString('utf8')) as DeleteRecord;
}
