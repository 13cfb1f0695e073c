import test from 'ava';
import { shardsOfSource } from '../../src/coordinator/series-by-shard.js';
import { shardOf } from '../../src/storage/router.js';

test('a read of named series touches the shards they hash to, each once; a regex touches every shard', (t) => {
  const names = Array.from({ length: 40 }, (_, i) => `cpu.host${i}`);
  const shards = shardsOfSource(4, 'db1', { kind: 'names', names: [...names, ...names] })!;
  t.deepEqual([...shards].sort(), [...new Set(names.map((name) => shardOf('db1', name, 4)))].sort());
  t.is(shards.length, new Set(shards).size);
  t.deepEqual(shardsOfSource(4, 'db1', { kind: 'names', names: ['cpu.host0'] }), [shardOf('db1', 'cpu.host0', 4)]);
  t.is(shardsOfSource(4, 'db1', { kind: 'regex', regex: { pattern: '.', caseInsensitive: false } }), undefined);
});
