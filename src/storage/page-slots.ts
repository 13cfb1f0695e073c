/**
 * A bulk export used to move every page (about 600 kB) to the main thread in a buffer of its
 * own: V8 counts such buffers as external memory, and 10 M points made the main thread run
 * about 40 full collections per export, with the helper threads marking alongside. Pages
 * copied into two shared slots in turn leave nothing behind. Pages that do not fit (very wide
 * rows) still get buffers of their own. Making and first sharing a pair costs about 0.3 ms, so
 * each shard handle keeps a few pairs between queries (ShardHandle.takeJsonSlots).
 */
const JSON_PAGE_SLOT_BYTES = 1024 * 1024;

/** The two slots a streamed (chunked) JSON answer's pages take turns in. */
export function jsonPageSlots(): SharedArrayBuffer[] {
  return [new SharedArrayBuffer(JSON_PAGE_SLOT_BYTES), new SharedArrayBuffer(JSON_PAGE_SLOT_BYTES)];
}
