import { describe, expect, it } from 'vitest';
import { NO_EXPIRY } from './database.js';
import { RedisError } from './errors.js';
import { Keyspace } from './keyspace.js';
import { ListValue } from './values/list-value.js';
import type { PackedFormat } from './values/packed-format.js';

/** A list kept as newline-separated text (the RDB package's formats are its own tests' concern). */
function lineList(): PackedFormat & { unpacked: number } {
  return {
    type: 'list',
    tag: 1,
    unpacked: 0,
    unpack(bytes) {
      this.unpacked++;
      const text = bytes.toString('latin1');
      if (text.startsWith('!')) throw new Error('bad bytes');
      return ListValue.of(text.split('\n'));
    },
  };
}

function packedText(items: readonly string[]): Buffer {
  return Buffer.from(items.join('\n'), 'latin1');
}

const ITEMS = (key: string): string[] => Array.from({ length: 12 }, (_, i) => `${key}-element-${i}`);

describe('Database: packed values', () => {
  it('keeps them in the slab until read, tells their type without decoding, decodes once', () => {
    const format = lineList();
    const db = new Keyspace().db(0);
    for (const key of ['a', 'b', 'c']) expect(db.addLoadedPacked(key, format, packedText(ITEMS(key)), NO_EXPIRY)).toBe(true);
    // A key twice refuses the file (the database, inconsistent then, is discarded).
    const refused = new Keyspace().db(0);
    refused.addLoadedPacked('b', format, packedText(ITEMS('b')), NO_EXPIRY);
    expect(refused.addLoadedPacked('b', format, packedText(ITEMS('b')), NO_EXPIRY)).toBe(false);
    const slot = db.peek('b');
    expect(db.typeName(slot)).toBe('list');
    expect(db.packedFormat(slot)).toBe(format);
    expect(db.storedBytes(slot)?.length).toBe(packedText(ITEMS('b')).length);
    expect(format.unpacked).toBe(0);

    const used = db.slabUsedBytes;
    expect((db.value(slot) as ListValue).toArray()).toEqual(ITEMS('b'));
    expect((db.value(slot) as ListValue).toArray()).toEqual(ITEMS('b'));
    expect(format.unpacked).toBe(1);
    expect(db.packedFormat(slot)).toBeNull();
    expect(db.storedBytes(slot)).toBeNull();
    expect(db.slabUsedBytes).toBeLessThan(used);
  });

  it('moves, replaces and drops them like any value', () => {
    const format = lineList();
    const db = new Keyspace().db(0);
    for (const key of ['a', 'b', 'c']) db.addLoadedPacked(key, format, packedText(ITEMS(key)), key === 'c' ? 4_000_000_000_000 : NO_EXPIRY);
    // Removing the first key moves the last one into its slot: still packed, same expiry.
    db.remove(db.peek('a'));
    const moved = db.peek('c');
    expect(db.packedFormat(moved)).toBe(format);
    expect(db.expireAt(moved)).toBe(4_000_000_000_000);
    expect((db.value(moved) as ListValue).toArray()).toEqual(ITEMS('c'));
    // A new value replaces the packed one, which is freed without being decoded.
    db.overwrite(db.peek('b'), 'plain', false);
    expect(db.packedFormat(db.peek('b'))).toBeNull();
    expect(db.typeName(db.peek('b'))).toBe('string');
    expect(db.value(db.peek('b'))).toBe('plain');
    expect(format.unpacked).toBe(1);
    expect(db.slabUsedBytes).toBe(0);
  });

  it('a value that cannot be decoded is an error naming the key, and stays as it was', () => {
    const format = lineList();
    const db = new Keyspace().db(0);
    db.addLoadedPacked('broken', format, Buffer.from(`!${'x'.repeat(80)}`, 'latin1'), NO_EXPIRY);
    const slot = db.peek('broken');
    expect(() => db.value(slot)).toThrow(RedisError);
    expect(() => db.value(slot)).toThrow(/key 'broken'.*bad bytes/);
    expect(db.packedFormat(slot)).toBe(format);
  });
});
