import test from 'ava';
import { abortedTransactions, TransactionLedger, type ShardTxnReport } from '../../src/storage/transactions.js';

function report(flushedBelow: number, logged: [number, number][], failed: number[] = [], flushedAbove: number[] = []): ShardTxnReport {
  return { flushedBelow, flushedAbove, failed, logged: new Map(logged), maxLogged: Math.max(0, ...logged.map(([txn]) => txn)) };
}

test('a transaction logged by every participant is kept', (t) => {
  const reports = [report(0, [[10, 0b11]]), report(0, [[10, 0b11]])];
  t.deepEqual([...abortedTransactions(reports, 0)], []);
  t.deepEqual([...abortedTransactions(reports, 1)], []);
});

test('a transaction another participant never logged is aborted', (t) => {
  const reports = [report(0, [[10, 0b11], [20, 0b11]]), report(0, [[10, 0b11]])];
  t.deepEqual([...abortedTransactions(reports, 0)], [20]);
});

test('a participant that flushed past the transaction had logged it', (t) => {
  const reports = [report(0, [[10, 0b11]]), report(11, [])];
  t.deepEqual([...abortedTransactions(reports, 0)], []);
});

test('a transaction that failed on a participant stays aborted even below its flush point', (t) => {
  const reports = [report(0, [[10, 0b11]]), report(50, [], [10])];
  t.deepEqual([...abortedTransactions(reports, 0)], [10]);
});

test('only the participants named in the mask are consulted', (t) => {
  const reports = [report(0, [[10, 0b101]]), report(0, []), report(0, [[10, 0b101]])];
  t.deepEqual([...abortedTransactions(reports, 0)], []);
});

test('the ledger reports the lowest unresolved transaction, and aborts once to each participant', (t) => {
  const ledger = new TransactionLedger(2);
  ledger.startAfter(4);
  t.is(ledger.statusFor(0).resolvedBelow, 5);
  t.is(ledger.begin(2), 5);
  ledger.startAfter(8);
  t.is(ledger.begin(2), 9);
  ledger.settle(9, true, 0b11);
  ledger.settle(9, false, 0b11);
  const early = ledger.statusFor(0);
  t.is(early.resolvedBelow, 5, 'transaction 5 is still open');
  t.deepEqual(early.aborted, [9], 'an abort is news at once, whatever is still open');
  ledger.settle(5, true, 0b11);
  ledger.settle(5, true, 0b11);
  const status = ledger.statusFor(0);
  t.is(status.resolvedBelow, 10);
  t.deepEqual(status.aborted, [], 'reported once');
  t.deepEqual(ledger.statusFor(1).aborted, [9]);
});

test('a transaction that commits behind an older open one is news to its participants at once', (t) => {
  const ledger = new TransactionLedger(3);
  const slow = ledger.begin(2);
  const quick = ledger.begin(1);
  ledger.settle(slow, true, 0b011); // one of slow's two shards has logged it
  ledger.settle(quick, true, 0b100);
  const status = ledger.statusFor(2);
  t.is(status.resolvedBelow, slow, 'the watermark waits for the older one');
  t.deepEqual(status.committed, [quick], 'but the younger one is visible now');
  t.deepEqual(ledger.statusFor(2).committed, [], 'reported once');
  t.deepEqual(ledger.statusFor(0).committed, [], 'only to its participants');
  const failed = ledger.begin(1);
  ledger.settle(failed, false, 0b100);
  t.deepEqual(ledger.statusFor(2), { resolvedBelow: slow, aborted: [failed], committed: [] }, 'a failed one is an abort, never a commit');
  ledger.settle(slow, true, 0b011);
  t.is(ledger.statusFor(2).resolvedBelow, failed + 1);
});

test('a transaction another participant flushed above its watermark is kept, not taken for unlogged', (t) => {
  // Shard 1 applied 10 early (it committed while 5 was open), flushed it and dropped its record.
  const reports = [report(0, [[10, 0b11]]), report(5, [], [], [10])];
  t.deepEqual([...abortedTransactions(reports, 0)], []);
  t.deepEqual([...abortedTransactions([report(0, [[10, 0b11]]), report(5, [])], 0)], [10], 'without the mark it would be left out');
});
