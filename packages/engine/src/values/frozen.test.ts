import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrozenView } from './frozen.js';
import { HashValue } from './hash-value.js';
import { ListValue } from './list-value.js';
import { SetValue } from './set-value.js';
import { ZSetValue } from './zset-value.js';

/** Few distinct elements, so that changes hit existing ones as often as they add new ones. */
const element = fc.nat(60).map((n) => `e${n}`);
const score = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(-0), fc.double({ noNaN: true }));

function read<T>(view: FrozenView, at: (position: number) => T): T[] {
  return Array.from({ length: view.size }, (_, position) => at(position));
}

/**
 * Every case: build a value, freeze it, note what the view reads, change the value, and read
 * the view again: the same elements at the same positions. After release, changes save
 * nothing more.
 */
describe('frozen views of changing collections', () => {
  it('a hash reads as it was through sets and deletes', () => {
    const change = fc.tuple(fc.boolean(), element, element);
    fc.assert(
      fc.property(fc.array(change, { maxLength: 80 }), fc.array(change, { maxLength: 120 }), (before, after) => {
        const hash = new HashValue();
        hash.convertToTable();
        for (const [set, field, value] of before) set ? hash.set(field, value) : hash.delete(field);
        const view = hash.freeze();
        const fields = read(view, (p) => view.fieldAt(p));
        const values = read(view, (p) => view.valueAt(p));
        for (const [set, field, value] of after) set ? hash.set(field, `${value}'`) : hash.delete(field);
        expect(read(view, (p) => view.fieldAt(p))).toEqual(fields);
        expect(read(view, (p) => view.valueAt(p))).toEqual(values);
        expect(view.savedElements).toBeLessThanOrEqual(4 * after.length);
        view.release();
        const saved = view.savedElements;
        for (const [, field] of after) hash.delete(field);
        expect(view.savedElements).toBe(saved);
      }),
    );
  });

  it('a hash-table set reads as it was through adds, deletes and random pops', () => {
    const change = fc.tuple(fc.constantFrom('add', 'delete', 'deleteAt'), element, fc.nat());
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 80 }), fc.array(change, { maxLength: 120 }), (before, after) => {
        const set = new SetValue();
        set.convertToTable();
        for (const member of before) set.add(member, 0);
        const view = set.freeze();
        const members = read(view, (p) => view.memberAt(p));
        for (const [name, member, position] of after) {
          if (name === 'add') set.add(`${member}'`, 0);
          else if (name === 'delete') set.delete(member);
          else if (set.size > 0) set.deleteAt(position % set.size);
        }
        expect(read(view, (p) => view.memberAt(p))).toEqual(members);
        view.release();
      }),
    );
  });

  it('a sorted set reads as it was through score changes, deletes and a listpack conversion', () => {
    const change = fc.tuple(fc.boolean(), element, score);
    fc.assert(
      fc.property(fc.array(fc.tuple(element, score), { maxLength: 80 }), fc.array(change, { maxLength: 120 }), fc.boolean(), (before, after, settle) => {
        const zset = new ZSetValue();
        zset.isListpack = false;
        for (const [member, s] of before) zset.set(member, s);
        const view = zset.freeze();
        const members = read(view, (p) => view.memberAt(p));
        const scores = read(view, (p) => view.scoreAt(p));
        for (const [set, member, s] of after) set ? zset.set(member, s) : zset.delete(member);
        // Turning -0 scores into 0 rewrites them in place too.
        if (settle) zset.useListpack();
        expect(read(view, (p) => view.memberAt(p))).toEqual(members);
        expect(read(view, (p) => view.scoreAt(p))).toEqual(scores);
        view.release();
      }),
    );
  });

  it('a list reads as it was through pushes, pops, inserts, removals, sets, growth, shrinking and clears', () => {
    const change = fc.oneof(
      fc.tuple(fc.constantFrom('pushHead', 'pushTail', 'set', 'insert'), element, fc.nat()),
      fc.tuple(fc.constantFrom('popHead', 'popTail', 'removeAt'), fc.constant(''), fc.nat()),
      // Bursts that make the ring grow, shrink or start again.
      fc.tuple(fc.constantFrom('pushMany', 'popMany', 'clear'), fc.constant(''), fc.nat(300)),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 200 }), fc.nat(100), fc.array(change, { maxLength: 60 }), (before, rotate, after) => {
        const list = new ListValue();
        for (const item of before) list.pushTail(item);
        // Start the view with the ring wrapped around its end.
        for (let i = 0; i < rotate && list.length > 0; i++) list.pushTail(list.popHead()!);
        const view = list.freeze();
        const items = read(view, (i) => view.at(i));
        for (const [name, item, n] of after) {
          if (name === 'pushHead') list.pushHead(item);
          else if (name === 'pushTail') list.pushTail(item);
          else if (name === 'pushMany') for (let i = 0; i < n; i++) list.pushTail(`${item}${i}`);
          else if (name === 'clear') list.clear();
          else if (list.length === 0) continue;
          else if (name === 'set') list.set(n % list.length, `${item}'`);
          else if (name === 'insert') list.insert(n % (list.length + 1), item);
          else if (name === 'popHead') list.popHead();
          else if (name === 'popTail') list.popTail();
          else if (name === 'removeAt') list.removeAt(n % list.length);
          else if (name === 'popMany') for (let i = 0; i < n && list.length > 0; i++) list.popHead();
        }
        expect(read(view, (i) => view.at(i))).toEqual(items);
        view.release();
      }),
    );
  });

  it('refuses to freeze the compact encodings, which shift their elements', () => {
    const hash = new HashValue();
    hash.set('f', 'v');
    expect(() => hash.freeze()).toThrow(/listpack/);
    const set = new SetValue();
    set.add('1', 512);
    expect(() => set.freeze()).toThrow(/intset/);
  });
});
