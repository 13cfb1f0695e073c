/**
 * How a front end measures its partitions' owner lag from the nodes' stored positions
 * (src/cluster/owner-lag.ts), on a real NATS server, with the clock in the test's hands.
 */
import test from 'ava';
import { connect, type NatsConnection } from 'nats';
import { OwnerLag } from '../../src/cluster/owner-lag.js';
import { storedSubject } from '../../src/cluster/stored-beacon.js';
import { startNatsCluster, stopNatsClusters, type NatsCluster } from '../helpers/nats-cluster.js';

let nats: NatsCluster;
let nc: NatsConnection;

test.before(async () => {
  nats = await startNatsCluster(1);
  nc = await connect({ servers: nats.urls.split(',') });
});
test.after.always(async () => {
  await nc?.close();
  await stopNatsClusters();
});

/**
 * Publishes a node's positions and resolves once OwnerLag has taken them: a marker published
 * after them comes back to a subscription of the same connection after they reached its own.
 */
async function say(cluster: string, node: string, stored: readonly unknown[]): Promise<void> {
  const subject = storedSubject(cluster);
  const marker = `marker ${Math.random()}`;
  const seen = new Promise<void>((resolve) => {
    const subscription = nc.subscribe(subject, {
      callback: (_err, message) => {
        if (message.string() !== marker) return;
        subscription.unsubscribe();
        resolve();
      },
    });
  });
  await nc.flush();
  nc.publish(subject, JSON.stringify({ node, stored }));
  nc.publish(subject, marker);
  await seen;
}

test('the lag is the age of the oldest acknowledged write no present owner said it stored', async (t) => {
  let now = 1_000_000;
  const lag = new OwnerLag(nc, 'lag1', 2, 500, () => now);
  await nc.flush();
  t.is(lag.lagMs(0), 0, 'nothing acknowledged');
  lag.noteAcknowledged([10, 0]);
  t.is(lag.lagMs(0), 0, 'no owner heard from: nothing to wait for');
  // Not positions: ignored, or partition 0 would count as stored past 10.
  await say('lag1', 'bad', [1e300, null]);
  await say('lag1', 'bad', ['99', null]);
  await say('lag1', 'bad', [99.5, null]);
  await say('lag1', 'a', [5, null]);
  now += 300;
  lag.noteAcknowledged([20, 0]);
  now += 400;
  t.is(lag.lagMs(0), 700, 'seq 10, acknowledged 700 ms ago, is not stored');
  t.is(lag.lagMs(1), 0, 'no owner said anything of partition 1');
  await say('lag1', 'b', [12, null]);
  t.is(lag.lagMs(0), 400, 'the most advanced owner counts: seq 20 is the oldest left');
  await say('lag1', 'a', [20, null]);
  t.is(lag.lagMs(0), 0);
  lag.noteAcknowledged([30, 0]);
  now += 3_001;
  t.is(lag.lagMs(0), 0, 'owners silent for 3 s are gone, not slow');
  lag.close();
});

test('a write waits while its partition is behind, and answers 503 at its deadline', async (t) => {
  let now = 2_000_000;
  const lag = new OwnerLag(nc, 'lag2', 2, 100, () => now);
  await nc.flush();
  await say('lag2', 'a', [0, 0]);
  lag.noteAcknowledged([7, 0]);
  now += 150;
  await t.notThrowsAsync(lag.admit([1], 1_000), 'the other partition is not behind');
  await t.throwsAsync(lag.admit([0, 1], 0), { message: /partition 0's owners are 150 ms behind/ });
  const held = lag.admit([0], 10_000);
  await say('lag2', 'a', [7, 0]);
  await t.notThrowsAsync(held, 'it goes once the owner says it stored the write');
  lag.close();
});

test('a stray publisher naming many nodes cannot grow the table of nodes heard from past its bound', async (t) => {
  let now = 3_000_000;
  const lag = new OwnerLag(nc, 'lag3', 1, 100, () => now);
  await nc.flush();
  for (let i = 0; i < 1024; i++) nc.publish(storedSubject('lag3'), JSON.stringify({ node: `stray${i}`, stored: [0] }));
  await say('lag3', 'late', [99]);
  lag.noteAcknowledged([50]);
  now += 200;
  t.is(lag.lagMs(0), 200, 'the node past the bound was not heard, so only positions of 0 count');
  lag.close();
});
