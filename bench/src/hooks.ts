import { Database, Keyspace, type SnapshotObserver } from '@understudy/engine';
import { printTable } from './table.js';

/** The private hook every mutation calls first (Database.beforeChange). */
interface Hooked {
  beforeChange(slot: number): void;
}

/**
 * The snapshot hook on the write path. Overwrites are timed three ways: with the hook removed
 * (replaced by an empty function), with it idle (no snapshot: one null check), and armed (a
 * snapshot running whose keys were all serialized already, so the mark is checked too). Equal
 * rates for the first two mean the idle hook costs nothing measurable.
 */
export function hooks(): void {
  const keys = 100_000;
  const rounds = 30;
  const keyspace = new Keyspace();
  const db = keyspace.db(0);
  for (let i = 0; i < keys; i++) db.add(`key:${i}`, 'x');
  const names = Array.from({ length: keys }, (_, i) => `key:${i}`);

  const overwrite = (): number => {
    const started = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < keys; i++) db.overwrite(db.lookup(names[i]), 'y', false);
    }
    return (keys * rounds) / (Number(process.hrtime.bigint() - started) / 1e9);
  };

  const observer: SnapshotObserver = { beforeChange: () => undefined };
  const prototype = Database.prototype as unknown as Hooked;
  const hook = prototype.beforeChange;
  const samples = { removed: [] as number[], idle: [] as number[], active: [] as number[] };
  for (let trial = 0; trial < 6; trial++) {
    prototype.beforeChange = () => undefined;
    samples.removed.push(overwrite());
    prototype.beforeChange = hook;
    samples.idle.push(overwrite());
    const snapshot = keyspace.beginSnapshot(observer);
    for (let slot = 0; slot < db.size; slot++) db.claim(slot, snapshot.epoch);
    samples.active.push(overwrite());
    keyspace.endSnapshot(snapshot);
  }
  const middle = (values: number[]): number => values.sort((a, b) => a - b)[values.length >> 1];
  const removed = middle(samples.removed);
  const idle = middle(samples.idle);
  const active = middle(samples.active);
  console.log('Engine overwrite rate and the snapshot hook (median of 6)');
  printTable(
    ['hook', 'overwrites/s', 'relative'],
    [
      ['removed (empty function)', removed.toFixed(0), '1.00x'],
      ['idle: no snapshot running', idle.toFixed(0), `${(idle / removed).toFixed(2)}x`],
      ['armed: snapshot running, keys done', active.toFixed(0), `${(active / removed).toFixed(2)}x`],
    ],
  );
}
