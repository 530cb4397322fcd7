import { Writable } from 'node:stream';
import { EngineSession } from '@understudy/engine/testing';
import { Snapshot, StreamSink } from '@understudy/rdb';
import { median, printTable } from './table.js';

/**
 * What one write costs the event loop when it changes a large collection the snapshot has not
 * written yet. The snapshot writes a large value in steps of a few hundred elements; a change
 * to it before the walk is done freezes the value (frozenSource), which from then on saves
 * the old element of each position it changes. Each command is timed with no snapshot and
 * with one held before it reaches the value (its sink never drains), beside a plain
 * Array.slice of as many elements: what copying the value instead would cost, at the least
 * (mostly faulting in the new array's pages). BENCH_CAPTURE_ELEMENTS sets the size (default
 * 1,000,000).
 */

const ROUNDS = 5;
const BATCH = 1000;

interface Case {
  kind: string;
  /** Arguments that add elements i..i+count-1 to the value. */
  fill: (from: number, count: number) => string[];
  /** A command that changes one element. */
  change: (round: number) => string[];
}

const cases: Case[] = [
  { kind: 'hash', fill: (from, count) => ['HSET', 'big', ...range(from, count).flatMap((i) => [`field:${i}`, `value:${i}`])], change: (round) => ['HSET', 'big', 'field:0', `new:${round}`] },
  { kind: 'list', fill: (from, count) => ['RPUSH', 'big', ...range(from, count).map((i) => `item:${i}`)], change: (round) => ['LSET', 'big', '0', `new:${round}`] },
  { kind: 'set', fill: (from, count) => ['SADD', 'big', ...range(from, count).map((i) => `member:${i}`)], change: (round) => ['SADD', 'big', `new:${round}`] },
  { kind: 'zset', fill: (from, count) => ['ZADD', 'big', ...range(from, count).flatMap((i) => [String(i * 1.5), `member:${i}`])], change: (round) => ['ZADD', 'big', String(-round), 'member:0'] },
];

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function timed(action: () => unknown): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

/** A sink that takes the first chunk and never asks for more: the walk stays at the start. */
function stalledSink(): Writable {
  return new Writable({ highWaterMark: 1, write: () => undefined });
}

async function captureTimes(session: EngineSession, change: Case['change']): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const stalled = stalledSink();
    const snapshot = new Snapshot(session.keyspace, [new StreamSink(stalled)], { compression: false, checksum: true, aux: [] });
    const done = snapshot.run().catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    times.push(timed(() => session.run(...change(round))));
    snapshot.abort(new Error('measured'));
    await done;
    stalled.destroy();
  }
  return times;
}

export async function capture(): Promise<void> {
  const elements = Number(process.env.BENCH_CAPTURE_ELEMENTS ?? 1_000_000);
  console.log(`\n## Capture: one write to a ${elements.toLocaleString('en')}-element value the snapshot has not written\n`);
  const rows: string[][] = [];
  for (const { kind, fill, change } of cases) {
    const session = new EngineSession();
    for (let from = 0; from < elements; from += BATCH) session.run(...fill(from, Math.min(BATCH, elements - from)));
    const without = range(0, ROUNDS).map((round) => timed(() => session.run(...change(round + ROUNDS))));
    const during = await captureTimes(session, change);
    const source = range(0, elements).map((i) => `e${i}`);
    const slices = range(0, ROUNDS).map(() => timed(() => source.slice()));
    const format = (times: number[]): string => `${median(times).toFixed(2)} ms (max ${Math.max(...times).toFixed(1)})`;
    rows.push([kind, format(without), format(during), format(slices)]);
  }
  printTable(['value', 'write without snapshot', 'write before the walk reached it', 'Array.slice, as many elements'], rows);
}
