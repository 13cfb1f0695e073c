/**
 * A call on a remote cursor goes only to the start of the node that opened it. Cursor numbers
 * are per shard thread and begin again at every start, so another owner of the partition, or
 * the same node after a restart, may hold the same number for another query's cursor: such a
 * call answers 503 (the client asks again), never another cursor's rows. Real RemoteShardCalls
 * and ShardServices over a real nats-server, each owner answering from its own real Storage
 * whose rows are told apart by their prefix.
 */
import test from 'ava';
import { Ownership } from '../../src/cluster/ownership.js';
import { ServiceUnavailableError } from '../../src/errors.js';
import type { Storage } from '../../src/shards/storage.js';
import { startNatsCluster, stopNatsClusters, type NatsCluster } from '../helpers/nats-cluster.js';
import { answeringNode, callingNode, nextRemotePage, openRemoteScan, scanAll, scanOf, storageWith } from '../helpers/shard-call-nodes.js';

let nats: NatsCluster;

test.before(async () => {
  nats = await startNatsCluster(1);
});
test.after.always(stopNatsClusters);

/** The number the storage's shard gives its next cursor. */
async function nextCursorNumber(storage: Storage): Promise<number> {
  const cursorId = await storage.shards[0]!.openScan(scanOf(10));
  await storage.shards[0]!.closeCursor(cursorId);
  return cursorId;
}

/** The `text` values of rows `from` to `to` (excluded) of a storage made with `prefix`. */
const rows = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

test.serial("a call on a cursor whose node is gone answers 503, never another owner's rows, though a later query made that owner the preferred one", async (t) => {
  const nodes = ['b', 'c'];
  // The caller tries the owners in this order while it prefers none.
  const [opener, other] = new Ownership(1, 'a', nodes, 2).owners(0) as [string, string];
  const [openerStorage, otherStorage] = [await storageWith(t, 30, 4, opener), await storageWith(t, 30, 4, other)];
  const openerNode = await answeringNode(t, nats, opener, nodes, openerStorage);
  const otherNode = await answeringNode(t, nats, other, nodes, otherStorage);
  const remote = await callingNode(t, nats, nodes);
  const cursorId = await openRemoteScan(remote, 10);
  t.deepEqual((await nextRemotePage(remote, cursorId)).texts, rows(opener, 0, 10));
  await openerNode.stop();

  const laterCursor = await openRemoteScan(remote, 10);
  t.is(otherNode.runs(), 1, 'the later query opened on the other owner');
  t.is(await nextCursorNumber(otherStorage), await nextCursorNumber(openerStorage), 'under the number the opener gave the first query');
  const refusal = await t.throwsAsync(nextRemotePage(remote, cursorId), { instanceOf: ServiceUnavailableError });
  t.regex(refusal?.message ?? '', new RegExp(`^${opener}, which held this query's cursor`));
  t.is(otherNode.runs(), 1, 'the call never went to the other owner');
  t.deepEqual((await nextRemotePage(remote, laterCursor)).texts, rows(other, 0, 10), "the later query's cursor lost no page");
});

test.serial('a call on a cursor after its node restarted answers 503, never the page of a cursor the new start opened under the same number', async (t) => {
  const oldStorage = await storageWith(t, 30, 4, 'old');
  const firstStart = await answeringNode(t, nats, 'b', ['b'], oldStorage);
  const remote = await callingNode(t, nats, ['b']);
  const cursorId = await openRemoteScan(remote, 10);
  t.deepEqual((await nextRemotePage(remote, cursorId)).texts, rows('old', 0, 10));
  await firstStart.stop();

  const newStorage = await storageWith(t, 30, 4, 'new');
  const secondStart = await answeringNode(t, nats, 'b', ['b'], newStorage);
  const laterCursor = await openRemoteScan(remote, 10);
  t.is(await nextCursorNumber(newStorage), await nextCursorNumber(oldStorage), 'cursor numbers began again: the later query has the first one\'s');
  const refusal = await t.throwsAsync(nextRemotePage(remote, cursorId), { instanceOf: ServiceUnavailableError });
  t.regex(refusal?.message ?? '', /^b restarted since it opened this query's cursor/);
  t.is(secondStart.runs(), 1, 'the new start refused the call without running it');
  t.deepEqual((await nextRemotePage(remote, laterCursor)).texts, rows('new', 0, 10), "the later query's cursor lost no page");

  const received = secondStart.received();
  const again = await t.throwsAsync(nextRemotePage(remote, cursorId), { instanceOf: ServiceUnavailableError });
  t.regex(again?.message ?? '', /^no node is known to hold cursorId/);
  t.is(secondStart.received(), received, 'the dead cursor is forgotten: no call goes out for it');
});

test.serial('paged scans read every row from the node holding their cursor; a closed cursor is forgotten', async (t) => {
  const node = await answeringNode(t, nats, 'b', ['b'], await storageWith(t, 25, 4, 'b'));
  const remote = await callingNode(t, nats, ['b']);
  const [first, second] = await Promise.all([scanAll(remote, 10), scanAll(remote, 7)]);
  t.deepEqual(first.texts, rows('b', 0, 25));
  t.deepEqual(second.texts, rows('b', 0, 25));

  const cursorId = await openRemoteScan(remote, 10);
  t.deepEqual((await nextRemotePage(remote, cursorId)).texts, rows('b', 0, 10));
  await remote.call(0, { name: 'closeCursor', task: { cursorId }, after: 0 });
  const received = node.received();
  const refusal = await t.throwsAsync(nextRemotePage(remote, cursorId), { instanceOf: ServiceUnavailableError });
  t.regex(refusal?.message ?? '', /^no node is known to hold cursorId/);
  t.is(node.received(), received, 'no call went out for the closed cursor');
});
