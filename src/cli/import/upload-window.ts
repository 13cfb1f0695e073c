import type { Batch } from './batch.js';
import type { RetryOrder } from './upload.js';

/** Sends one batch; resolves once the server stored it. */
export type StoreBatch = (batch: Batch, order: RetryOrder) => Promise<void>;

/** A batch that was not stored, and why; every batch before it was. */
export class BatchNotStored extends Error {
  constructor(
    readonly batch: Batch,
    readonly reason: Error,
  ) {
    super(reason.message);
  }
}

/**
 * Keeps up to `concurrency` batches in flight and yields them in file order, each once it and
 * every batch before it were stored: what is yielded is always the acknowledged prefix of the
 * file, so resuming after it re-sends at most `concurrency` batches. The first batch that is
 * not stored ends it with BatchNotStored, once the batches still in flight have settled. Input
 * that cannot be read on (a malformed line) ends it too, but only after the batches before it
 * were yielded as they are stored: otherwise they would be sent again, and stored twice.
 */
export async function* storeInOrder(batches: AsyncIterable<Batch>, concurrency: number, store: StoreBatch): AsyncGenerator<Batch> {
  const window: { readonly batch: Batch; readonly stored: Promise<void> }[] = [];
  /** Batches being sent again: no new batch goes out before they are stored. */
  let held: Promise<void>[] = [];
  let earlierStored: Promise<void> = Promise.resolve();
  const oldest = async (): Promise<Batch> => {
    const { batch, stored } = window.shift()!;
    await stored.catch((err: Error) => {
      throw new BatchNotStored(batch, err);
    });
    return batch;
  };
  const input = batches[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Batch>;
      try {
        next = await input.next();
      } catch (inputError) {
        while (window.length > 0) yield await oldest();
        throw inputError;
      }
      if (next.done === true) break;
      const batch = next.value;
      if (window.length >= concurrency) yield await oldest();
      while (held.length > 0) {
        const waits = held;
        held = [];
        await Promise.allSettled(waits);
      }
      // A batch asks for the hold only once answered, so `stored` is set by then.
      const order: RetryOrder = { earlierStored, holdNewBatches: () => held.push(stored) };
      const stored = store(batch, order);
      // Its failure is reported in its turn, by `oldest`.
      stored.catch(() => undefined);
      window.push({ batch, stored });
      earlierStored = Promise.all([earlierStored, stored]).then(() => undefined);
      earlierStored.catch(() => undefined);
    }
    while (window.length > 0) yield await oldest();
  } finally {
    // Nothing keeps going behind an import that stopped.
    await Promise.allSettled(window.map(({ stored }) => stored));
  }
}
