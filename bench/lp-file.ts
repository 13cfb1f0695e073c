/**
 * Writes the line-protocol file the `sluice import` figure is measured on: the peer workload
 * (bench/lib/peer-workload.ts, S series × P points 10 s apart) as `cpu,host=host<s> value=<v>
 * <time_s>` lines, time-ordered, every timestamp naming every series in turn (399 MB for the
 * default 10 M points).
 *
 * Run: npm run build && node dist/bench/lp-file.js lp10m.lp      (S=1000 P=10000)
 * then: sluice import lp10m.lp -d lp --precision s --progress    (into a created database `lp`)
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { valueHundredths } from './lib/peer-workload.js';

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node dist/bench/lp-file.js <file>   (S=1000 P=10000)');
  process.exit(2);
}
const series = Number(process.env.S ?? 1000);
const points = Number(process.env.P ?? 10_000);
const END_S = 1_704_067_200;
const INTERVAL_S = 10;
/** Lines gathered before each write, so the file is written in large pieces, never held whole. */
const LINES_PER_WRITE = 100_000;

const fd = openSync(file, 'w');
let lines: string[] = [];
for (let p = 0; p < points; p++) {
  const time = END_S - (points - p) * INTERVAL_S;
  for (let s = 0; s < series; s++) {
    lines.push(`cpu,host=host${s} value=${valueHundredths(s, p) / 100} ${time}\n`);
    if (lines.length === LINES_PER_WRITE) {
      writeSync(fd, lines.join(''));
      lines = [];
    }
  }
}
writeSync(fd, lines.join(''));
closeSync(fd);
console.log(`${(series * points).toLocaleString('en-US')} lines (${series} series × ${points} points) written to ${file}`);
