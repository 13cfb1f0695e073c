/** How often the lifecycle schedulers look at the clock. */
const TICK_MS = 1000;

/**
 * A background job that looks at the clock every second: one tick at a time (a long one —
 * a backfill — makes the next ones wait, not pile up), and `stop` waits for the running one.
 */
export abstract class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  protected abstract tick(): Promise<void>;

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
