import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandFlags } from './command.js';
import type { Database } from './database.js';
import { datasetDigest } from './digest.js';
import { EffectStream } from './effects.js';
import { Keyspace, type SnapshotObserver } from './keyspace.js';
import { anyCommand, commandSequence } from './test-support/command-generator.js';
import { EngineSession, engineTable } from './test-support/session.js';
import { HashValue } from './values/hash-value.js';
import { ListValue } from './values/list-value.js';
import { SetValue } from './values/set-value.js';
import type { RedisValue } from './values/value.js';

/** A canonical text of a value and its expiry, for comparing states. */
function dump(value: RedisValue, expireAt: number): string {
  let content: unknown;
  if (typeof value === 'string') content = ['string', value];
  else if (value instanceof ListValue) content = ['list', value.toArray()];
  else if (value instanceof SetValue) content = ['set', value.toArray().sort()];
  else if (value instanceof HashValue) content = ['hash', Array.from({ length: value.size }, (_, i) => [value.fieldAt(i), value.valueAt(i)]).sort()];
  else {
    const entries: [string, number][] = [];
    if (value.size > 0) value.order.visit(0, value.size - 1, (score, member) => entries.push([member, score]));
    content = ['zset', entries];
  }
  return JSON.stringify([content, expireAt]);
}

function dumpDatabases(databases: readonly Database[]): Map<string, string> {
  const state = new Map<string, string>();
  databases.forEach((db, index) => {
    for (let slot = 0; slot < db.size; slot++) state.set(`${index}:${db.key(slot)}`, dump(db.value(slot), db.expireAt(slot)));
  });
  return state;
}

/** Random sequences, plus the whole-database commands that generated ones rarely hit. */
const sequenceWithFlushes = fc.tuple(commandSequence, fc.array(fc.constantFrom<string[]>(['FLUSHDB'], ['FLUSHALL'], ['SWAPDB', '0', '1'], ['SELECT', '1'], ['SELECT', '0']), { maxLength: 3 }), fc.nat()).map(([sequence, extra, at]) => {
  const commands = sequence.map((generated) => generated.argv);
  for (const argv of extra) commands.splice(at % (commands.length + 1), 0, argv);
  return commands;
});

describe('engine contract 1: every keyspace change passes through the mutation API', () => {
  it('lets a snapshot see each key before it first changes, so the walked result equals the state at its start', () => {
    fc.assert(
      fc.property(commandSequence, sequenceWithFlushes, (setup, during) => {
        const session = new EngineSession();
        const keyspace = session.keyspace;
        keyspace.activeExpireEnabled = false;
        for (const generated of setup) session.raw(...generated.argv);
        session.dbIndex = 0;

        const atStart = dumpDatabases(keyspace.databases);
        const captured = new Map<string, string>();
        let snapshotDatabases: readonly Database[] = [];
        const observer: SnapshotObserver = {
          beforeChange(db, slot) {
            const index = snapshotDatabases.indexOf(db);
            captured.set(`${index}:${db.key(slot)}`, dump(db.value(slot), db.expireAt(slot)));
          },
        };
        const snapshot = keyspace.beginSnapshot(observer);
        snapshotDatabases = snapshot.databases;
        for (const argv of during) session.raw(...argv);
        // The walker a snapshot would run: whatever was not reported yet is unchanged.
        snapshot.databases.forEach((db, index) => {
          for (let slot = db.size - 1; slot >= 0; slot--) {
            if (db.claim(slot, snapshot.epoch)) captured.set(`${index}:${db.key(slot)}`, dump(db.value(slot), db.expireAt(slot)));
          }
        });
        keyspace.endSnapshot(snapshot);
        expect(captured).toEqual(atStart);
      }),
      { numRuns: 300 },
    );
  });

  it('exercises every write command of the table in those sequences', () => {
    const seen = new Set<string>();
    for (const generated of fc.sample(anyCommand, 20_000)) seen.add(generated.argv[0].toLowerCase());
    const blockingOnly = new Set(['brpop', 'blmove', 'brpoplpush']);
    const writes = engineTable
      .all()
      .filter((spec) => spec.has(CommandFlags.write) && !blockingOnly.has(spec.name))
      .map((spec) => spec.name);
    const missing = writes.filter((name) => !seen.has(name) && !['flushdb', 'flushall', 'swapdb'].includes(name));
    expect(missing).toEqual([]);
  });
});

describe('engine contract 2: effects reproduce every change on another node', () => {
  it('replaying the effect stream of random commands gives the same dataset, expiries included', () => {
    fc.assert(
      fc.property(sequenceWithFlushes, fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 60 }), (commands, clockSteps) => {
        const primary = new EngineSession();
        const replica = new EngineSession(new Keyspace());
        replica.keyspace.expiryPolicy = 'ignore';
        let now = 1_700_000_000_000;
        const stream = new EffectStream((argv) => {
          // A replica applies one stream in order, so MULTI/EXEC need no action here.
          if (argv[0] === 'MULTI' || argv[0] === 'EXEC') return;
          replica.keyspace.setTime(now);
          const reply = replica.raw(...argv);
          expect(reply.startsWith('-'), `effect ${JSON.stringify(argv)} failed: ${reply}`).toBe(false);
        });
        primary.keyspace.effectSink = (unit) => stream.writeUnit(unit);
        commands.forEach((argv, i) => {
          now += clockSteps[i % Math.max(1, clockSteps.length)] ?? 0;
          primary.keyspace.setTime(now);
          primary.raw(...argv);
          if (i % 7 === 0) primary.keyspace.activeExpireCycle(10, () => 0);
        });
        expect(datasetDigest(replica.keyspace)).toBe(datasetDigest(primary.keyspace));
        expect(dumpDatabases(replica.keyspace.databases)).toEqual(dumpDatabases(primary.keyspace.databases));
      }),
      { numRuns: 300 },
    );
  });

  it('rewrites relative expiries, INCRBYFLOAT and random pops into deterministic commands', () => {
    const session = new EngineSession();
    const effects: string[][] = [];
    const stream = new EffectStream((argv) => effects.push(argv));
    session.keyspace.effectSink = (unit) => stream.writeUnit(unit);
    session.keyspace.setTime(1_000_000);
    session.raw('SET', 'a', 'v', 'EX', '10');
    session.raw('EXPIRE', 'a', '20');
    session.raw('SET', 'f', '1.5');
    session.raw('INCRBYFLOAT', 'f', '0.25');
    session.raw('SADD', 's', 'x');
    session.raw('SPOP', 's');
    session.raw('SADD', 's', 'x');
    session.raw('SADD', 's', 'x');
    session.raw('GET', 'missing');
    session.raw('SELECT', '2');
    session.raw('SET', 'b', '1');
    session.keyspace.setTime(1_000_000 + 30_000);
    session.raw('SELECT', '0');
    session.raw('SET', 'a', 'again');
    expect(effects).toEqual([
      ['SELECT', '0'],
      ['SET', 'a', 'v', 'PXAT', '1010000'],
      ['PEXPIREAT', 'a', '1020000'],
      ['SET', 'f', '1.5'],
      ['SET', 'f', '1.75', 'KEEPTTL'],
      ['SADD', 's', 'x'],
      ['SREM', 's', 'x'],
      ['SADD', 's', 'x'],
      ['SELECT', '2'],
      ['SET', 'b', '1'],
      ['SELECT', '0'],
      ['MULTI'],
      ['DEL', 'a'],
      ['SET', 'a', 'again'],
      ['EXEC'],
    ]);
  });
});

describe('engine contract: no snapshot, no cost', () => {
  it('keeps the snapshot hook to one field check when no snapshot runs', () => {
    const keyspace = new Keyspace();
    expect(keyspace.snapshot).toBeNull();
    const observer: SnapshotObserver = { beforeChange: () => undefined };
    const snapshot = keyspace.beginSnapshot(observer);
    expect(() => keyspace.beginSnapshot(observer)).toThrow();
    keyspace.endSnapshot(snapshot);
    expect(keyspace.snapshot).toBeNull();
  });
});

