import { ServiceUnavailableError } from '../errors.js';
import { CALL_DEADLINE_MS, type CallId } from './shard-call-wire.js';

/**
 * A caller repeats a call only until its deadline, which starts before the call first arrives
 * here; an answer older than that (plus a margin for a repeat still on its way) is never asked
 * for again.
 */
const REMEMBER_MS = CALL_DEADLINE_MS + 5_000;
/**
 * Answers kept per caller. Each request says below which number the caller has every reply
 * (CallId.settledBelow), and answers below it go at once, so what stays is about the caller's
 * calls in flight; these bounds only cap a caller with a call stuck for seconds.
 */
export const CALLS_PER_CALLER = 1024;
/** Bytes of answers kept per caller: a reply is at most a page or one partial answer, a few MB. */
export const BYTES_PER_CALLER = 32 * 1024 * 1024;

interface CallerMemory {
  /** Calls running now: a repeat waits for the same answer. Bounded by the calls in flight. */
  readonly running: Map<number, Promise<Uint8Array>>;
  /** Answered calls, oldest answer first. */
  readonly answered: Map<number, { readonly reply: Uint8Array; readonly at: number }>;
  bytes: number;
  /** The highest `settledBelow` the caller sent. */
  settledBelow: number;
  /**
   * The highest call number whose answer was let go: a repeat of a call at or below it that is
   * not remembered may have run already, and must not run again.
   */
  forgottenUpTo: number;
  lastCall: number;
}

/**
 * The answering side's memory of shard calls, so a call repeated because its request or reply
 * was lost (NATS delivers at most once) runs once: running `nextPage` twice would skip a page.
 * Per caller, answers are kept until the caller says it has them, and at most CALLS_PER_CALLER
 * answers of BYTES_PER_CALLER bytes, none older than REMEMBER_MS; a caller silent for
 * REMEMBER_MS is forgotten whole (callers are the cluster's nodes, one per start of each).
 * Past these bounds a repeat is refused with 503, never run twice.
 */
export class AnsweredCalls {
  private readonly callers = new Map<string, CallerMemory>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), REMEMBER_MS);
    this.sweeper.unref();
  }

  /** The call's answer: remembered, the running one's, or `run()`'s. `run` encodes failures into its reply; it does not reject. */
  once(id: CallId, run: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const memory = this.memoryOf(id.caller);
    if (id.settledBelow > memory.settledBelow) this.settle(memory, id.settledBelow);
    const known = memory.answered.get(id.seq)?.reply ?? memory.running.get(id.seq);
    if (known !== undefined) return Promise.resolve(known);
    if (id.repeat && id.seq <= memory.forgottenUpTo) {
      return Promise.reject(new ServiceUnavailableError(`shard call ${id.seq} of ${id.caller} was answered too long ago to be answered again; retry the query`));
    }
    const reply = run();
    memory.running.set(id.seq, reply);
    void reply.then(
      (bytes) => {
        memory.running.delete(id.seq);
        memory.answered.set(id.seq, { reply: bytes, at: Date.now() });
        memory.bytes += bytes.byteLength;
        this.letGo(memory, Date.now());
      },
      () => memory.running.delete(id.seq),
    );
    return reply;
  }

  private memoryOf(caller: string): CallerMemory {
    let memory = this.callers.get(caller);
    if (memory === undefined) {
      memory = { running: new Map(), answered: new Map(), bytes: 0, settledBelow: 0, forgottenUpTo: -1, lastCall: 0 };
      this.callers.set(caller, memory);
    }
    memory.lastCall = Date.now();
    return memory;
  }

  /** The caller has every reply below `below`: a repeat of those is a stale message, never run. */
  private settle(memory: CallerMemory, below: number): void {
    memory.settledBelow = below;
    memory.forgottenUpTo = Math.max(memory.forgottenUpTo, below - 1);
    for (const [seq, { reply }] of memory.answered) {
      if (seq >= below) continue;
      memory.answered.delete(seq);
      memory.bytes -= reply.byteLength;
    }
  }

  /** Lets the oldest answers go while past a bound. */
  private letGo(memory: CallerMemory, now: number): void {
    for (const [seq, { reply, at }] of memory.answered) {
      if (memory.answered.size <= CALLS_PER_CALLER && memory.bytes <= BYTES_PER_CALLER && now - at < REMEMBER_MS) return;
      memory.answered.delete(seq);
      memory.bytes -= reply.byteLength;
      memory.forgottenUpTo = Math.max(memory.forgottenUpTo, seq);
    }
  }

  /** Without calls, answers would otherwise stay until the caller's next call. */
  private sweep(): void {
    const now = Date.now();
    for (const [caller, memory] of this.callers) {
      this.letGo(memory, now);
      // Its repeats would come within REMEMBER_MS of its last call; none can come now.
      if (memory.running.size === 0 && now - memory.lastCall >= REMEMBER_MS) this.callers.delete(caller);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
