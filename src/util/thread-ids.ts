import { readlinkSync } from 'node:fs';

/*
 * Worker threads leave their kernel thread ids in memory shared with the main thread, which
 * reads each one's CPU time from /proc when /metrics is scraped (metrics/thread-cpu.ts).
 * Slot 0 counts the threads that took a slot; a pool's threads take the next ones in turn,
 * and one that replaces a dead thread takes the oldest slot again.
 */

/** Slots for the ids of a pool of `capacity` threads, to hand to them in their workerData. */
export function threadIdSlots(capacity: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (1 + capacity)));
}

/** Called by a worker thread as it starts: leaves its id in the next slot (nothing where /proc has none). */
export function takeThreadIdSlot(slots: Int32Array): void {
  const tid = ownThreadId();
  if (tid === undefined) return;
  const capacity = slots.length - 1;
  const taken = Atomics.add(slots, 0, 1);
  Atomics.store(slots, 1 + (taken % capacity), tid);
}

/** The ids left in `slots`, in slot order. */
export function threadIdsIn(slots: Int32Array): number[] {
  const ids: number[] = [];
  for (let slot = 1; slot < slots.length; slot++) {
    const tid = Atomics.load(slots, slot);
    if (tid !== 0) ids.push(tid);
  }
  return ids;
}

/** The kernel's id of the calling thread (Linux: `/proc/thread-self` links to `<pid>/task/<tid>`). */
export function ownThreadId(): number | undefined {
  try {
    const link = readlinkSync('/proc/thread-self');
    const tid = Number(link.slice(link.lastIndexOf('/') + 1));
    return Number.isSafeInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}
