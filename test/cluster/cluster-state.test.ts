/**
 * The cluster's shared facts and heartbeats, on real NATS servers: every report and every
 * heartbeat counts (a stream purged below one owner's position but above another's would lose
 * that owner its history).
 */
import test from 'ava';
import { connect, type NatsConnection } from 'nats';
import { ClusterState } from '../../src/cluster/cluster-state.js';
import { Membership } from '../../src/cluster/membership.js';
import { startNatsCluster, stopNatsClusters, type NatsCluster } from '../helpers/nats-cluster.js';

let nats: NatsCluster;
let nc: NatsConnection;

test.before(async () => {
  nats = await startNatsCluster(3);
  nc = await connect({ servers: nats.urls.split(',') });
});
test.after.always(async () => {
  await nc?.close();
  await stopNatsClusters();
});

test.serial('a partition may be purged only below the lowest position any of its owners reported', async (t) => {
  const state = await ClusterState.open(nc, { clusterName: 'positions', clusterReplicas: 3 });
  await state.reportStored('x', [100, 10, null]);
  await state.reportStored('y', [50, 20, null]);
  await state.reportStored('z', [70, null, 5]);
  t.deepEqual(await state.storedEverywhere(3), [50, 10, 5]);
  // With an assignment, only the owners count, and an owner that reported nothing holds all back.
  const owners = [['x', 'z'], ['y'], ['w']];
  t.deepEqual(await state.storedEverywhere(3, (p) => owners[p]!), [70, 20, 0]);
});

test.serial('every live node is seen with what it serves, and a silent one drops out', async (t) => {
  const settings = { clusterName: 'members', clusterReplicas: 3 };
  const [x, y, z] = await Promise.all(['x', 'y', 'z'].map((id) => Membership.open(nc, { ...settings, clusterNodeId: id })));
  await Promise.all([x!.beat([0, 1]), y!.beat([2]), z!.beat([])]);
  const members = await x!.read();
  t.deepEqual([...members.live].sort(), ['x', 'y', 'z']);
  t.deepEqual([...members.serving.get('x')!], [0, 1]);
  t.deepEqual([...members.serving.get('y')!], [2]);
  // z stops beating; the others go on until its last heartbeat has expired.
  const started = Date.now();
  while ((await x!.read()).live.has('z')) {
    t.true(Date.now() - started < 15_000, 'z is still live 15 s after its last heartbeat');
    await Promise.all([x!.beat([0, 1]), y!.beat([2])]);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  t.deepEqual([...(await x!.read()).live].sort(), ['x', 'y']);
  t.log(`z dropped out ${Date.now() - started} ms after its last heartbeat`);
});
