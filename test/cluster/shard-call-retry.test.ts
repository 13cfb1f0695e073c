/**
 * Shard calls between nodes survive a lost NATS message (core NATS delivers at most once): the
 * caller sends the call again, and the answering node answers it from memory rather than run it
 * again, so a paged scan returns every row exactly once. A real RemoteShardCalls and a real
 * ShardService over a real nats-server and a real Storage; messages are lost by a connection
 * that drops the publishes a test picks, as the network would.
 */
import test, { type ExecutionContext } from 'ava';
import type { RemoteShardCalls } from '../../src/cluster/shard-calls.js';
import { startNatsCluster, stopNatsClusters, type NatsCluster } from '../helpers/nats-cluster.js';
import { answeringNode, callingNode, scanAll, storageWith, type AnsweringNode, type Conditions } from '../helpers/shard-call-nodes.js';

let nats: NatsCluster;

test.before(async () => {
  nats = await startNatsCluster(1);
});
test.after.always(stopNatsClusters);

/** Node `a` calls partition 0, which node `b` stores (see storageWith). */
async function callerAndService(t: ExecutionContext, points: number, textBytes: number, conditions: Conditions): Promise<AnsweringNode & { remote: RemoteShardCalls }> {
  const node = await answeringNode(t, nats, 'b', ['b'], await storageWith(t, points, textBytes), conditions);
  return { ...node, remote: await callingNode(t, nats, ['b'], conditions) };
}

const expectedTexts = (points: number): string[] => Array.from({ length: points }, (_, i) => String(i));

test.serial('a lost reply to nextPage is asked for again and answered from memory: every row once, no page run twice', async (t) => {
  let replies = 0;
  // The third reply answers the second nextPage: lose it, as NATS may under load.
  const pair = await callerAndService(t, 50, 4, { loseReply: () => ++replies === 3 });
  const started = Date.now();
  const { texts, calls } = await scanAll(pair.remote, 10);
  t.deepEqual(texts, expectedTexts(50));
  t.is(pair.runs(), calls, 'each call ran once');
  t.is(pair.received(), calls + 1, 'the call whose reply was lost came again');
  const tookMs = Date.now() - started;
  t.log(`${calls} calls, one reply lost: ${tookMs} ms`);
  t.true(tookMs < 5_000, 'recovered within seconds, not after the 10 s deadline');
});

test.serial('a lost request is sent again and runs once', async (t) => {
  let requests = 0;
  const pair = await callerAndService(t, 30, 4, { loseRequest: (subject) => subject.startsWith('retry.shard.') && ++requests === 2 });
  const { texts, calls } = await scanAll(pair.remote, 10);
  t.deepEqual(texts, expectedTexts(30));
  t.is(pair.runs(), calls);
  t.is(pair.received(), calls, 'the lost request never arrived; its repeat did');
});

test.serial('a reply split into parts with one part lost is asked for again and arrives whole', async (t) => {
  // 2,500 rows of 1,000 bytes: a page of about 2.5 MB, three NATS messages of at most 1 MiB.
  const partsPerReply = new Map<string, number>();
  let lost = false;
  const loseFirstMiddlePart = (subject: string): boolean => {
    const parts = (partsPerReply.get(subject) ?? 0) + 1;
    partsPerReply.set(subject, parts);
    if (parts !== 2 || lost) return false;
    lost = true;
    return true;
  };
  const pair = await callerAndService(t, 2_500, 1_000, { loseReply: loseFirstMiddlePart });
  const { texts, calls } = await scanAll(pair.remote, 2_500);
  t.true(lost);
  t.is(Math.max(...partsPerReply.values()), 3, 'the page came in three parts');
  t.deepEqual(texts, expectedTexts(2_500));
  t.is(pair.runs(), calls);
  t.is(pair.received(), calls + 1);
});

test.serial('a call repeated while it still runs waits for it and gets the same answer', async (t) => {
  // Each call waits 1.5 s for its barrier: the caller repeats it at 1 s, while it runs.
  const pair = await callerAndService(t, 10, 4, { barrierMs: 1_500 });
  const { texts, calls } = await scanAll(pair.remote, 10);
  t.deepEqual(texts, expectedTexts(10));
  t.is(pair.runs(), calls, 'the repeats did not run the calls again');
  t.true(pair.received() > calls, 'the calls were repeated');
});
