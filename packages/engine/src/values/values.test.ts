import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashValue } from './hash-value.js';
import { ListValue } from './list-value.js';
import { ScoreIndex } from './score-index.js';
import { SetValue } from './set-value.js';

const member = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\u00ff', '\u0000', '1'), maxLength: 3 });
/** Enough distinct members to split the index into several chunks. */
const manyMembers = fc.oneof(member, fc.nat(3000).map((n) => `k${n}`));
const score = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true }));

function byScoreThenMember(a: [number, string], b: [number, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

describe('ScoreIndex', () => {
  it('agrees with a sorted array for inserts, deletes, ranks and range searches', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), score, manyMembers), { minLength: 1500, maxLength: 4000 }), (operations) => {
        const index = new ScoreIndex();
        const model = new Map<string, number>();
        for (const [insert, s, m] of operations) {
          const old = model.get(m);
          if (old !== undefined) {
            index.delete(old, m);
            model.delete(m);
          }
          if (insert) {
            index.insert(s, m);
            model.set(m, s);
          }
        }
        const sorted = [...model].map(([m, s]) => [s, m] as [number, string]).sort(byScoreThenMember);
        expect(index.size).toBe(sorted.length);
        sorted.forEach(([s, m], rank) => {
          expect(index.rank(s, m)).toBe(rank);
          expect(index.memberAt(rank)).toBe(m);
          expect(index.scoreAt(rank)).toBe(s);
        });
        const visited: [number, string][] = [];
        if (sorted.length > 0) index.visit(0, sorted.length - 1, (s, m) => visited.push([s, m]));
        expect(visited).toEqual(sorted);
        for (const probe of [-1, 0, 0.5, 3]) {
          expect(index.firstByScore(probe, false)).toBe(sorted.findIndex(([s]) => s >= probe) === -1 ? sorted.length : sorted.findIndex(([s]) => s >= probe));
          const last = sorted.map(([s]) => s > probe).indexOf(true);
          expect(index.lastByScore(probe, false)).toBe((last === -1 ? sorted.length : last) - 1);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('visits backwards across chunks', () => {
    const index = new ScoreIndex();
    for (let i = 0; i < 3000; i++) index.insert(i, `m${i}`);
    const seen: number[] = [];
    index.visit(2999, 0, (s) => seen.push(s));
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => 2999 - i));
  });
});

describe('ListValue', () => {
  it('behaves like an array for every operation', () => {
    const operation = fc.oneof(
      fc.tuple(fc.constant('pushHead'), member),
      fc.tuple(fc.constant('pushTail'), member),
      fc.tuple(fc.constant('popHead'), fc.constant('')),
      fc.tuple(fc.constant('popTail'), fc.constant('')),
      fc.tuple(fc.constant('insert'), member, fc.nat()),
      fc.tuple(fc.constant('removeAt'), fc.constant(''), fc.nat()),
      fc.tuple(fc.constant('set'), member, fc.nat()),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), (operations) => {
        const list = new ListValue();
        const model: string[] = [];
        for (const [name, value, position = 0] of operations) {
          if (name === 'pushHead') (list.pushHead(value), model.unshift(value));
          else if (name === 'pushTail') (list.pushTail(value), model.push(value));
          else if (name === 'popHead') expect(list.popHead()).toBe(model.shift());
          else if (name === 'popTail') expect(list.popTail()).toBe(model.pop());
          else if (name === 'insert') {
            const at = position % (model.length + 1);
            list.insert(at, value);
            model.splice(at, 0, value);
          } else if (model.length > 0 && name === 'removeAt') {
            const at = position % model.length;
            list.removeAt(at);
            model.splice(at, 1);
          } else if (model.length > 0 && name === 'set') {
            const at = position % model.length;
            list.set(at, value);
            model[at] = value;
          }
        }
        expect(list.toArray()).toEqual(model);
      }),
    );
  });
});

describe('SetValue', () => {
  it('keeps integers sorted while an intset, then behaves as a set', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.integer({ min: -50, max: 50 }).map(String), member))), (operations) => {
        const set = new SetValue();
        const model = new Set<string>();
        for (const [add, value] of operations) {
          if (add) expect(set.add(value, 16)).toBe(!model.has(value));
          else expect(set.delete(value)).toBe(model.has(value));
          if (add) model.add(value);
          else model.delete(value);
        }
        expect(set.toArray().sort()).toEqual([...model].sort());
        if (set.isIntset) expect(set.toArray()).toEqual([...model].map(Number).sort((a, b) => a - b).map(String));
      }),
    );
  });
});

describe('HashValue', () => {
  it('keeps insertion order while a listpack, and stays a correct map after conversion', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), member, member)), fc.nat(30), (operations, convertAt) => {
        const hash = new HashValue();
        const model = new Map<string, string>();
        operations.forEach(([set, field, value], i) => {
          if (i === convertAt) hash.convertToTable();
          if (set) {
            expect(hash.set(field, value)).toBe(!model.has(field));
            model.set(field, value);
          } else {
            expect(hash.delete(field)).toBe(model.delete(field));
          }
        });
        const entries = Array.from({ length: hash.size }, (_, i) => [hash.fieldAt(i), hash.valueAt(i)]);
        if (hash.isListpack) expect(entries).toEqual([...model]);
        else expect(entries.sort()).toEqual([...model].sort());
      }),
    );
  });
});
