/**
 * When a shard thread runs the export warm-up (export-warm-up.ts): once it holds enough rows
 * for an export's speed to matter, and writes to it have paused.
 *
 * Why not at start-up: the warm-up costs a shard thread about 0.3 s of CPU, which a server
 * holding a few thousand points never earns back, and which doubled the test suite's time
 * (hundreds of short-lived servers). Why not during ingest: it would take CPU from the writes,
 * and its garbage grows the thread's heap, which later writes then fill: after a pause of one
 * second, the peer bench's ingest runs that followed the warm-up peaked at 370–423 MiB RSS
 * against 363–403 without it. Fifteen seconds without a write (after a bulk load, or after a
 * restart on a full data directory) is when an operator's first exports are about to come, not
 * the next batch of a pipeline.
 */
import { ExportWarmUp, WARM_UP_ROUNDS } from './export-warm-up.js';

export interface WarmUpTriggerOptions {
  /** Rows the shard must hold (segments and memtables) for the warm-up to be worth its CPU. */
  readonly minRows: number;
  /** How long without a write before the shard counts its rows. */
  readonly quietMs: number;
  /** Called with the rows exported and the milliseconds the rounds took, or with the error that stopped them. */
  readonly onFinished?: (outcome: { rows: number; ms: number } | { error: unknown }) => void;
}

/**
 * A hundred series of the peer bench's size. A shard holding less is rarely asked for exports
 * that the compiler's 20–30 ms would show in; at 100,000 rows, which the suite's larger tests
 * cross, a clean-clone test run took 7 min 53 s against 6 min 43 s without a warm-up (one each).
 */
export const WARM_UP_MIN_ROWS = 1_000_000;
export const WARM_UP_QUIET_MS = 15_000;

export class ExportWarmUpTrigger {
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  private readonly options: WarmUpTriggerOptions;

  constructor(
    private readonly rowsHeld: () => number,
    options: Partial<WarmUpTriggerOptions> = {},
  ) {
    this.options = { minRows: WARM_UP_MIN_ROWS, quietMs: WARM_UP_QUIET_MS, ...options };
  }

  /** Rows arrived (a write, a replay): count them once no other write has come for `quietMs`. */
  poke(): void {
    if (this.started) return;
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => this.check(), this.options.quietMs);
      this.timer.unref();
    }
  }

  private check(): void {
    this.timer = undefined;
    if (this.rowsHeld() < this.options.minRows) return;
    this.started = true;
    const began = performance.now();
    let warmUp: ExportWarmUp;
    let round = 0;
    let rows = 0;
    // One round a turn of the thread's event loop: a message that arrives meanwhile waits for
    // one round (about 15 ms), not for the whole warm-up.
    const next = (): void => {
      try {
        warmUp ??= new ExportWarmUp();
        rows += warmUp.round(round++);
        if (round < WARM_UP_ROUNDS) return void setImmediate(next);
        warmUp.finish();
        this.options.onFinished?.({ rows, ms: performance.now() - began });
      } catch (error) {
        this.options.onFinished?.({ error });
      }
    };
    setImmediate(next);
  }
}
