/** The torture run's closing summary, one figure a line. */
import { passed, type TortureOptions, type TortureReport } from './run.js';

const count = (n: number): string => n.toLocaleString('en-US');

export function summary(report: TortureReport, options: TortureOptions): string {
  const lines = [
    `torture ${passed(report) ? 'PASSED' : 'FAILED'}: ${report.cycles} of ${options.cycles} cycles in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
      `(seed ${options.seed}, ${options.shards} shards, ${options.seriesCount} series${options.fleet === 'none' ? '' : `, every series in each request of ${options.fleet === 'all' ? 'every cycle' : 'odd cycles'}`}, ${options.connections} connections, ` +
      `memtable ${options.memtableBytes}, idle flush ${options.flushIdleMs} ms, kill at ${options.killAfterMs[0]}–${options.killAfterMs[1]} ms)`,
    `  acknowledged points     ${count(report.acknowledgedPoints)} in ${count(report.acknowledgedRequests)} requests`,
    `  lost                    ${count(report.lost)}`,
    `  duplicated              ${count(report.duplicated)}`,
    `  half-kept requests      ${count(report.halfKept)}`,
    `  refused requests        ${count(report.refused)} (stored anyway: ${count(report.refusedKept)})`,
    `  resurrected points      ${count(report.resurrected)}`,
    `  rows never sent         ${count(report.foreign)}`,
    `  unreadable segments     ${count(report.unreadableSegments)} of ${count(report.segmentsChecked)} checked ` +
      `(${count(report.blocksChecked)} blocks, ${count(report.sharedSequenceBlocks)} of them sharing another's sequence numbers)`,
    `  server log problems     ${count(report.logProblems)} (WAL tails cut or requests left out at start-up: ${count(report.crashRepairs)})`,
  ];
  if (report.failure !== undefined) lines.push(`  stopped by: ${report.failure}`);
  if (report.examples.length > 0) lines.push('  first findings:', ...report.examples.slice(0, 20).map((e) => `    ${e}`));
  lines.push(report.kept ? `  work directory kept: ${report.workDir} (data/, crash-state/, logs/)` : '  work directory removed');
  return lines.join('\n');
}
