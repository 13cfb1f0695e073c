/**
 * Line-protocol parser micro-benchmark, one core: `parseLineProtocol` on the ingest
 * benchmark's points written as line protocol, with a tag (`cpu,host=hostN value=12.34 <time_s>`)
 * and without (`cpu.hostN value=12.34 <time_s>`, the JSON body's series),
 * beside `parseWriteBody` on the same points as a 0.8 JSON body — the figure to keep at or
 * above. A second body with few long series shows the per-point cost alone; each body's tagged
 * lines are also parsed in time order, where every line changes series. Last, one hostile line
 * of 20,000 fields, bodies of more series than the parser keeps between requests, and keys of
 * over a kilobyte.
 *
 * Each figure is CPU time, the best of ROUNDS rounds of ITERATIONS parses, so a busy machine shows less.
 * The cold figures sweep the caches before every parse (not timed), as the threads sharing a
 * parse thread's core do in the server: there every body starts with its series out of cache,
 * and a body of a thousand series costs mostly the reads of their state.
 *
 * Run: npm run build && node dist/bench/line-protocol.js   (ITERATIONS=100 ROUNDS=5 SHARDS=2)
 */
import { parseLineProtocol } from '../src/ingest/line-protocol.js';
import { parseWriteBody } from '../src/ingest/parse-body.js';
import { cacheSweeper } from './lib/cache-sweep.js';
import { generateDataset, type BodyFormat } from './lib/dataset.js';
import { bestNanos } from './lib/timing.js';

const iterations = Number(process.env.ITERATIONS ?? 100);
const rounds = Number(process.env.ROUNDS ?? 5);
const shardCount = Number(process.env.SHARDS ?? 2);
const sweepCaches = cacheSweeper(32);

/** CPU ns per call of `run` with the caches swept before each (the sweep not counted): the best of the rounds. */
function coldNanos(run: () => void): number {
  for (let i = 0; i < iterations; i++) run();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let sweptMicros = 0;
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      sweptMicros += sweepCaches();
      run();
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system - sweptMicros) * 1e3) / iterations);
  }
  return best;
}

function bodyOf(series: number, pointsPerSeries: number, format: BodyFormat): Uint8Array {
  return generateDataset(series, pointsPerSeries, series * pointsPerSeries, Date.now(), format).bodies[0]!;
}

const line = (label: string, points: number, bytes: number, nanos: number): string =>
  `  ${label.padEnd(21)} ${((points / nanos) * 1e3).toFixed(2)} M points/s  ${((bytes / nanos) * 1e3).toFixed(0)} MB/s  ${(nanos / 1e3).toFixed(0)} µs/body`;

for (const [series, pointsPerSeries] of [
  [1000, 5],
  [10, 500],
] as const) {
  const nowUs = Date.now() * 1000;
  const points = series * pointsPerSeries;
  const lineOptions = { db: 'bench', precision: 's' as const, nowUs, shardCount };
  const lineNanos = (body: Uint8Array, timing = bestNanos): number => {
    const check = parseLineProtocol(body, lineOptions);
    if (!check.ok || check.pointCount !== points) throw new Error(`bench body did not parse: ${JSON.stringify(check).slice(0, 300)}`);
    return timing(() => parseLineProtocol(body, lineOptions), iterations, rounds);
  };
  const tagged = bodyOf(series, pointsPerSeries, 'line');
  const plain = bodyOf(series, pointsPerSeries, 'line-plain');
  const json = bodyOf(series, pointsPerSeries, 'json');
  const parseJson = (): unknown => parseWriteBody(json, { db: 'bench', precision: 's', nowUs, shardCount });
  const jsonNanos = bestNanos(parseJson, iterations, rounds);
  console.log(`${series} series × ${pointsPerSeries} points (CPU time, best of ${rounds} × ${iterations} parses, ${shardCount} shards)`);
  console.log(line('line, host tag', points, tagged.length, lineNanos(tagged)));
  console.log(line('line, plain', points, plain.length, lineNanos(plain)));
  console.log(line('0.8 JSON', points, json.length, jsonNanos));
  // The same tagged lines ordered by time, every series at each timestamp (as collectors send
  // and as `sluice import` files are laid out): each line names another series than the last.
  console.log(line('line, time-ordered', points, tagged.length, lineNanos(timeOrdered(tagged, series))));
  console.log(line('line, host tag, cold', points, tagged.length, lineNanos(tagged, coldNanos)));
  console.log(line('0.8 JSON, cold', points, json.length, coldNanos(parseJson)));
}

/** The lines of a series-grouped body reordered so that line k of every series comes before line k + 1 of any. */
function timeOrdered(body: Uint8Array, series: number): Uint8Array {
  const lines = Buffer.from(body).toString('utf8').split('\n').filter((text) => text.length > 0);
  const perSeries = lines.length / series;
  const ordered: string[] = [];
  for (let k = 0; k < perSeries; k++) for (let s = 0; s < series; s++) ordered.push(lines[s * perSeries + k]!);
  return new Uint8Array(Buffer.from(`${ordered.join('\n')}\n`, 'utf8'));
}

// A hostile body: one line of 20,000 new fields, each parse a series never seen (its first
// line). Each field's key used to be compared with every one before it: 5.1–5.6 s a line.
{
  const fields = Array.from({ length: 20_000 }, (_, i) => `field_number_${i}=${i}`).join(',');
  const timings: number[] = [];
  for (let round = 0; round < 3; round++) {
    const body = Buffer.from(`wide${round},host=a ${fields} 1700000000\n`);
    const start = process.cpuUsage();
    const parsed = parseLineProtocol(body, { db: 'bench', precision: 's', nowUs: Date.now() * 1000, shardCount });
    const used = process.cpuUsage(start);
    if (!parsed.ok) throw new Error(parsed.message);
    timings.push((used.user + used.system) / 1e3);
  }
  console.log(`one line of 20,000 new fields (478 KB): ${timings.map((ms) => ms.toFixed(0)).join(', ')} ms CPU`);
}

// More series than the parse thread keeps (16 Ki keys): 50,000 series cycling, two fields and
// two tags, so nearly every line names a series parsed afresh. Against the same points as
// 0.8 JSON bodies, which keep no state per series but the names.
{
  const SERIES = 50_000;
  const BODIES = 20;
  const lineBodies: Uint8Array[] = [];
  const jsonBodies: Uint8Array[] = [];
  for (let b = 0; b < BODIES; b++) {
    const ids = Array.from({ length: 5000 }, (_, i) => (b * 5000 + i) % SERIES);
    const time = 1_700_000_000 + b;
    lineBodies.push(new Uint8Array(Buffer.from(ids.map((id) => `cpu,dc=eu,host=h${id} value=${id}.5,idle=${id % 100}i ${time}\n`).join(''))));
    jsonBodies.push(new Uint8Array(Buffer.from(JSON.stringify(ids.map((id) => ({ name: `cpu.dc-eu.h${id}`, columns: ['time', 'value', 'idle'], points: [[time, id + 0.5, id % 100]] }))))));
  }
  const nowUs = Date.now() * 1000;
  const perBody = (parse: (body: Uint8Array) => unknown, bodies: Uint8Array[]): number =>
    bestNanos(() => {
      for (const body of bodies) parse(body);
    }, 1, rounds) / BODIES;
  const lineUs = perBody((body) => parseLineProtocol(body, { db: 'bench', precision: 's', nowUs, shardCount, listSeries: false }), lineBodies);
  const jsonUs = perBody((body) => parseWriteBody(body, { db: 'bench', precision: 's', nowUs, shardCount, listSeries: false }), jsonBodies);
  console.log(`${SERIES} series cycling, 5000 points a body: line ${(lineUs / 1e3).toFixed(0)} µs/body, 0.8 JSON ${(jsonUs / 1e3).toFixed(0)} µs/body`);
}

// Keys of about 1.1 KB (30 tags, as a Kubernetes pod's labels), 1000 series, 5000 lines a body.
{
  const tags = (i: number): string => Array.from({ length: 30 }, (_, t) => `label_${String(t).padStart(2, '0')}=value-of-label-${t}-for-pod-${i}`).join(',');
  const keys = Array.from({ length: 1000 }, (_, i) => `kube_pod,${tags(i)}`);
  const bodies = Array.from({ length: 5 }, (_, b) =>
    new Uint8Array(Buffer.from(Array.from({ length: 5 }, (_, k) => keys.map((key, i) => `${key} value=${i}.5 ${1_700_000_000 + b * 5 + k}`).join('\n')).join('\n'))),
  );
  const nowUs = Date.now() * 1000;
  const nanos = bestNanos(() => {
    for (const body of bodies) parseLineProtocol(body, { db: 'bench', precision: 's', nowUs, shardCount, listSeries: false });
  }, 1, rounds) / bodies.length;
  console.log(`keys of ${keys[0]!.length} bytes (30 tags), 1000 series, 5000 lines a body: ${(nanos / 1e3).toFixed(0)} µs/body`);
}
