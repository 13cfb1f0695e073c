import { readdirSync } from 'node:fs';
import { statCpuSeconds } from '../util/proc-stat.js';

/**
 * CPU seconds of each of the server's threads, read from /proc when /metrics is scraped: the
 * event loop (`main`), each parse and shard thread by name, and the rest together (`other`:
 * V8's collector and compiler threads, libuv's pool). Which thread a load keeps busy says
 * which setting to change (`parse_threads`, `shards`); the benches read CPU a point per thread
 * from it. Where /proc/self/task cannot be read (not Linux) nothing is reported.
 */
export class ThreadCpu {
  /** Last reading of each unnamed thread, so that `other` keeps the time of those that ended. */
  private readonly otherLast = new Map<number, number>();
  private otherEnded = 0;

  /** `named()`: the names of the worker threads, by kernel thread id, as of now. */
  constructor(private readonly named: () => ReadonlyMap<number, string>) {}

  /** Seconds by thread name (`main`, `parse-0`, `shard-1`, …, `other`). */
  read(): Map<string, number> {
    const seconds = new Map<string, number>();
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return seconds;
    }
    const named = this.named();
    const otherNow = new Map<number, number>();
    for (const entry of tids) {
      const tid = Number(entry);
      const used = statCpuSeconds(`/proc/self/task/${tid}/stat`);
      // A thread that ended between the listing and the read.
      if (used === undefined) continue;
      const name = tid === process.pid ? 'main' : named.get(tid);
      if (name === undefined) otherNow.set(tid, used);
      else seconds.set(name, (seconds.get(name) ?? 0) + used);
    }
    for (const [tid, used] of this.otherLast) if (!otherNow.has(tid)) this.otherEnded += used;
    this.otherLast.clear();
    let other = this.otherEnded;
    for (const [tid, used] of otherNow) {
      this.otherLast.set(tid, used);
      other += used;
    }
    seconds.set('other', other);
    return seconds;
  }
}
