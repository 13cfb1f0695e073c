/**
 * A delete in the memtable alone: one hour cut from every series of a shard's memtable, as
 * `DELETE /db/:db/series?regex=.` does after the workload's writes (bench/lifecycle.ts times
 * the whole request). Each series holds the peer workload's rows (bench/lib/peer-workload.ts)
 * sealed in chunks of CHUNK rows, as seals cut them, the last chunk ending at the last write;
 * the delete takes the last hour (360 rows), then the hour before, and so on. CPU time per
 * series, the best of ROUNDS rounds of SERIES series each, on memtables built afresh for every
 * round (not timed); and the first round's, cold, as a server's first deletes run.
 *
 * Run: npm run build && node dist/bench/memtable-delete.js   (CHUNK=410 SERIES=500 ROUNDS=9)
 */
import { packChunk } from '../src/storage/memory-chunk.js';
import { RowSlab } from '../src/storage/row-slab.js';
import { sliceRows } from '../src/storage/row-slice.js';
import { SeriesMemory } from '../src/storage/series-memory.js';
import { PEER_WORKLOAD, peerSeries } from './lib/peer-workload.js';

// A shard seals every 8 MiB of writes: 410 rows a series after the peer workload's writes.
const CHUNK = Number(process.env.CHUNK ?? 410);
const SERIES = Number(process.env.SERIES ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const HOUR_US = 3600e6;

const sources = Array.from({ length: SERIES }, (_, s) => peerSeries(PEER_WORKLOAD, s));
const lastTime = sources[0]!.time[sources[0]!.count - 1]!;

function memtables(): SeriesMemory[] {
  const slab = new RowSlab();
  return sources.map((rows) => {
    const memory = new SeriesMemory(rows.series);
    for (let at = (rows.count % CHUNK) - CHUNK; at < rows.count; at += CHUNK) memory.appendChunk(packChunk(sliceRows(rows, Math.max(0, at), at + CHUNK), slab));
    return memory;
  });
}

for (const hours of [1, 3]) {
  let best = Infinity;
  let cold = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const memories = memtables();
    const start = process.cpuUsage();
    for (let hour = 0; hour < hours; hour++) {
      const endUs = lastTime + 1 - hour * HOUR_US;
      for (const memory of memories) memory.deleteRanges([{ startUs: endUs - HOUR_US, endUs }]);
    }
    const used = process.cpuUsage(start);
    const left = memories.reduce((sum, memory) => sum + memory.count, 0);
    if (left !== SERIES * (PEER_WORKLOAD.points - 360 * hours)) throw new Error(`${left} rows left`);
    const perSeries = ((used.user + used.system) * 1e3) / (SERIES * hours);
    // Round 0 warms up.
    if (round > 0) best = Math.min(best, perSeries);
    else cold = perSeries;
  }
  console.log(
    `${SERIES} series of ${PEER_WORKLOAD.points} rows in chunks of ${CHUNK}, ${hours} delete(s) of an hour each: ${(best / 1000).toFixed(2)} µs a series a delete (first round, cold: ${(cold / 1000).toFixed(2)})`,
  );
}
