/**
 * Reads every stored point back (one chunked regex query, microsecond times) and holds the
 * ledger against it: acknowledged and kept requests whole and exactly once, dropped ones
 * absent, unanswered ones all or nothing, and no row that was never sent.
 */
import { streamQuery, type Target } from '../../test/helpers/client.js';
import { Fate, type Ledger } from './ledger.js';
import { DB, labelOf, SERIES_PREFIX, seriesOf, timeOf } from './workload.js';

const ALL_POINTS = `select * from /^${SERIES_PREFIX.replace('.', '\\.')}/ order asc`;
const NO_SERIES = "Couldn't look up columns";
/** How many examples of each kind of violation a verdict lists. */
const EXAMPLES = 5;

export interface Verdict {
  /** Points of acknowledged (or kept) requests that are missing. */
  lost: number;
  /** Points stored more than once. */
  duplicated: number;
  /** Unanswered or refused requests stored in part. */
  halfKept: number;
  /** Requests refused with an error status, yet stored whole. */
  refusedKept: number;
  /** Points of a request an earlier restart showed dropped, stored now. */
  resurrected: number;
  /** Rows that are not a point the load sent. */
  foreign: number;
  /** Unanswered requests this restart resolved, by outcome. */
  unansweredKept: number;
  unansweredDropped: number;
  examples: string[];
}

export function violations(v: Verdict): number {
  return v.lost + v.duplicated + v.halfKept + v.refusedKept + v.resurrected + v.foreign;
}

/** How many copies of each point id the server returned (saturating at 255). */
async function storedCopies(
  target: Target,
  ledger: Ledger,
  seriesCount: number,
  signal: AbortSignal,
  examples: string[],
): Promise<{ copies: Uint8Array; foreign: number }> {
  const copies = new Uint8Array(ledger.issuedPoints);
  let foreign = 0;
  const response = await streamQuery(target, DB, ALL_POINTS, { time_precision: 'u' }, signal);
  if (response.status !== 200) {
    const text = await response.text();
    // A regex matching no series is this 400 (query-language.md §5.1.2): nothing is stored,
    // as when the first kill came before any write was logged.
    if (response.status === 400 && text === NO_SERIES) return { copies, foreign };
    throw new Error(`verification query: HTTP ${response.status} ${text.slice(0, 500)}`);
  }
  for await (const series of response.objects) {
    const timeAt = series.columns.indexOf('time');
    const valueAt = series.columns.indexOf('value');
    const labelAt = series.columns.indexOf('label');
    for (const row of series.points) {
      const point = row[valueAt];
      const time = row[timeAt];
      const sent =
        typeof point === 'number' &&
        Number.isInteger(point) &&
        point >= 0 &&
        point < ledger.issuedPoints &&
        seriesOf(point, seriesCount) === series.name &&
        timeOf(point, seriesCount) === time &&
        row[labelAt] === labelOf(point) &&
        series.columns.length === 4;
      if (!sent) {
        foreign++;
        if (examples.length < EXAMPLES) examples.push(`foreign row in ${series.name}: ${JSON.stringify(series.columns)} ${JSON.stringify(row)}`);
        continue;
      }
      if (copies[point]! < 255) copies[point]!++;
    }
  }
  return { copies, foreign };
}

export async function verify(target: Target, ledger: Ledger, seriesCount: number, signal: AbortSignal): Promise<Verdict> {
  const examples: string[] = [];
  const { copies, foreign } = await storedCopies(target, ledger, seriesCount, signal, examples);
  const verdict: Verdict = {
    lost: 0,
    duplicated: 0,
    halfKept: 0,
    refusedKept: 0,
    resurrected: 0,
    foreign,
    unansweredKept: 0,
    unansweredDropped: 0,
    examples,
  };
  const note = (text: string): void => {
    if (examples.length < EXAMPLES * 4) examples.push(text);
  };
  for (let request = 0; request < ledger.requests; request++) {
    const first = ledger.first[request]!;
    const size = ledger.size[request]!;
    let present = 0;
    let duplicated = 0;
    for (let point = first; point < first + size; point++) {
      if (copies[point]! > 0) present++;
      if (copies[point]! > 1) duplicated++;
    }
    verdict.duplicated += duplicated;
    if (duplicated > 0) note(`request ${request} (points ${first}…${first + size - 1}): ${duplicated} points stored more than once`);
    const fate = ledger.fate[request]!;
    switch (fate) {
      case Fate.Acknowledged:
      case Fate.Kept:
        if (present < size) {
          verdict.lost += size - present;
          note(`request ${request} (points ${first}…${first + size - 1}, ${fate === Fate.Kept ? 'kept earlier' : 'acknowledged'}): ${size - present} of ${size} points missing`);
        }
        break;
      case Fate.Dropped:
        if (present > 0) {
          verdict.resurrected += present;
          note(`request ${request} (points ${first}…${first + size - 1}, dropped earlier): ${present} points stored now`);
        }
        break;
      case Fate.Unanswered:
      case Fate.Refused:
        if (present > 0 && present < size) {
          verdict.halfKept++;
          ledger.settle(request, Fate.Broken);
          note(`request ${request} (points ${first}…${first + size - 1}, ${fate === Fate.Refused ? 'refused' : 'unanswered'}): ${present} of ${size} points stored`);
        } else if (present === size && fate === Fate.Refused) {
          verdict.refusedKept++;
          ledger.settle(request, Fate.Broken);
          note(`request ${request} (points ${first}…${first + size - 1}): refused, yet stored whole`);
        } else if (present === size) {
          verdict.unansweredKept++;
          ledger.settle(request, Fate.Kept);
        } else {
          if (fate === Fate.Unanswered) verdict.unansweredDropped++;
          ledger.settle(request, Fate.Dropped);
        }
        break;
      default:
        break;
    }
  }
  return verdict;
}
