import { HashValue, Keyspace, ListValue, type RedisValue, SetValue, ZSetValue } from '@understudy/engine';
import { releasingSink } from './sinks.js';
import { Snapshot, type SnapshotProgress } from './snapshot.js';

/** Elements of the collections past their compact forms, and of the list written in steps. */
const LARGE = 300;
const LONG_STRING = 'warm-up '.repeat(100);

/**
 * Runs one small snapshot through the encoding worker and throws its output away: a key of
 * every kind and encoding, with old values captured ahead of changes and a deletion. V8
 * compiles a function when it is first called, so without this the first real BGSAVE (or
 * full sync) compiles the walk, the record encoders and the capture path inside its first
 * turns. Traced with perf under the snapshot benchmark's load, that took 5.5 ms of a first turn
 * 13 ms long. The worker loads its WebAssembly kernels on the way.
 *
 * Only one snapshot may use the worker at a time: servers run this before they listen.
 * Resolves with the snapshot's progress (what it wrote and captured).
 */
export function warmUpSnapshots(): Promise<SnapshotProgress> {
  const keyspace = new Keyspace(1);
  const db = keyspace.db(0);
  const values = sampleValues();
  values.forEach((value, i) => db.add(`key:${i}`, value, i === 0 ? Date.now() + 3_600_000 : undefined));
  const snapshot = new Snapshot(keyspace, [releasingSink()], { compression: true, checksum: true, aux: [['redis-ver', '7.0.15']] });
  const done = snapshot.run();
  // The walk starts in a later turn: these keys are changed before it reaches them.
  db.set('key:0', 'warm-up');
  db.set('key:1', `${LONG_STRING}!`);
  db.set(`key:${values.length - 1}`, 'warm-up');
  db.delete('key:2');
  return done;
}

function sampleValues(): RedisValue[] {
  const numbers = Array.from({ length: LARGE }, (_, i) => String(i));
  const words = numbers.map((n) => `member-${n}`);
  const values: RedisValue[] = [LONG_STRING, LONG_STRING, '12345', 'short', ListValue.of(words.slice(0, 10)), ListValue.of(words)];
  for (const size of [10, LARGE]) {
    const hash = new HashValue();
    for (let i = 0; i < size; i++) hash.set(words[i], numbers[i]);
    if (size === LARGE) hash.convertToTable();
    const ints = new SetValue();
    const strings = new SetValue();
    for (let i = 0; i < size; i++) {
      ints.add(numbers[i], 512);
      strings.add(words[i], 512);
    }
    const zset = new ZSetValue();
    for (let i = 0; i < size; i++) zset.set(words[i], i / 4);
    zset.settleEncoding({ zsetMaxListpackEntries: 128, zsetMaxListpackValue: 64 });
    values.push(hash, ints, strings, zset);
  }
  return values;
}
