/**
 * A node's one-shard storage in a process of its own, so a test can kill it with SIGKILL:
 * it adopts a checkpoint (if given), stores the messages (flushing after those marked), says
 * `stored` once every one is acknowledged, and then waits to be killed.
 */
import { openStorage, writeMessage, type Message } from './checkpoint-fixtures.js';

interface Plan {
  readonly dataDir: string;
  readonly adopt?: string;
  readonly messages: readonly (Message & { readonly flush?: boolean })[];
}

const plan = JSON.parse(process.argv[2]!) as Plan;
const storage = await openStorage(plan.dataDir);
if (plan.adopt !== undefined) await storage.shards[0]!.adoptCheckpoint(plan.adopt);
for (const message of plan.messages) {
  await writeMessage(storage, message);
  if (message.flush) await storage.shards[0]!.flush();
}
process.stdout.write('stored\n');
setInterval(() => undefined, 60_000);
