import { type EngineLimits, HashValue, ListValue, type RedisValue, SetValue, ZSetValue } from '@understudy/engine';
import { latin1Slice } from '@understudy/protocol';
import type { Cursor } from './cursor.js';
import { QuicklistContainer, RdbType, TYPE_NAMES } from './format.js';
import { decodeIntset } from './intset.js';
import { decodeListpack } from './listpack.js';
import { RdbError } from './rdb-error.js';
import { decodeZiplist, decodeZipmap } from './ziplist.js';

/**
 * The value of a record of `type` (read past its key): null for an empty collection, which
 * Redis skips. Values get the encoding a loading server with `limits` would pick. `at` is the
 * record's offset, for errors about the value as a whole.
 */
export function decodeValue(cursor: Cursor, type: number, at: number, limits: EngineLimits): RedisValue | null {
  switch (type) {
    case RdbType.string:
      return cursor.string();
    case RdbType.list: {
      const count = cursor.length();
      const list = new ListValue(Math.min(count, 1024));
      for (let i = 0; i < count; i++) list.pushTail(cursor.string());
      return list.length === 0 ? null : list;
    }
    case RdbType.set: {
      const count = cursor.length();
      const set = new SetValue();
      if (count > limits.setMaxIntsetEntries) set.convertToTable();
      for (let i = 0; i < count; i++) {
        const memberAt = cursor.offset;
        if (!set.add(cursor.string(), limits.setMaxIntsetEntries)) throw new RdbError('Duplicate set members detected', memberAt);
      }
      return set.size === 0 ? null : set;
    }
    case RdbType.zset:
    case RdbType.zset2: {
      const count = cursor.length();
      const members: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < count; i++) {
        members.push(cursor.string());
        const scoreAt = cursor.offset;
        const score = type === RdbType.zset2 ? cursor.float64() : cursor.stringDouble();
        if (Number.isNaN(score)) throw new RdbError('Zset with NAN score detected', scoreAt);
        scores.push(score);
      }
      return zsetOf(members, scores, at, limits);
    }
    case RdbType.hash: {
      const count = cursor.length();
      const entries: string[] = [];
      for (let i = 0; i < count; i++) entries.push(cursor.string(), cursor.string());
      return hashOf(entries, at, limits);
    }
    case RdbType.setIntset: {
      const members = decodeIntset(cursor.blob());
      const set = new SetValue();
      if (members.length > limits.setMaxIntsetEntries) set.convertToTable();
      for (const member of members) set.add(member, limits.setMaxIntsetEntries);
      return set;
    }
    case RdbType.listZiplist:
      return nonEmptyList(decodeZiplist(cursor.blob()));
    case RdbType.listQuicklist: {
      const nodes = cursor.length();
      const list = new ListValue();
      for (let i = 0; i < nodes; i++) for (const element of decodeZiplist(cursor.blob())) list.pushTail(element);
      return list.length === 0 ? null : list;
    }
    case RdbType.listQuicklist2: {
      const nodes = cursor.length();
      const list = new ListValue();
      for (let i = 0; i < nodes; i++) {
        const nodeAt = cursor.offset;
        const container = cursor.length();
        const data = cursor.blob();
        if (container === QuicklistContainer.plain) {
          list.pushTail(latin1Slice(data, 0, data.length));
        } else if (container === QuicklistContainer.packed) {
          if (data.length === 0) throw new RdbError('Quicklist integrity check failed (empty node).', nodeAt);
          for (const element of decodeListpack(data)) list.pushTail(element);
        } else {
          throw new RdbError(`Quicklist integrity check failed (container ${container}).`, nodeAt);
        }
      }
      return list.length === 0 ? null : list;
    }
    case RdbType.hashZipmap:
      return hashOf(decodeZipmap(cursor.blob()), at, limits);
    case RdbType.hashZiplist:
    case RdbType.hashListpack: {
      const entries = type === RdbType.hashZiplist ? decodeZiplist(cursor.blob()) : decodeListpack(cursor.blob());
      if (entries.length % 2 !== 0) throw new RdbError('Hash listpack with an odd number of entries', at);
      return hashOf(entries, at, limits);
    }
    case RdbType.zsetZiplist:
    case RdbType.zsetListpack: {
      const entries = type === RdbType.zsetZiplist ? decodeZiplist(cursor.blob()) : decodeListpack(cursor.blob());
      if (entries.length % 2 !== 0) throw new RdbError('Zset listpack with an odd number of entries', at);
      const members: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < entries.length; i += 2) {
        const score = scoreFromText(entries[i + 1]);
        if (Number.isNaN(score)) throw new RdbError('Zset with NAN score detected', at);
        members.push(entries[i]);
        scores.push(score);
      }
      return zsetOf(members, scores, at, limits);
    }
    case RdbType.streamListpacks:
    case RdbType.streamListpacks2:
      throw new RdbError(`Streams are not supported (type ${type} ${TYPE_NAMES[type]})`, at);
    default:
      throw new RdbError(`Module values are not supported (type ${type} ${TYPE_NAMES[type]})`, at);
  }
}

/** A hash from alternating fields and values, in the encoding the loading server would pick. */
function hashOf(entries: readonly string[], at: number, limits: EngineLimits): HashValue | null {
  if (entries.length === 0) return null;
  const hash = new HashValue();
  let large = entries.length / 2 > limits.hashMaxListpackEntries;
  for (let i = 0; i < entries.length && !large; i++) if (entries[i].length > limits.hashMaxListpackValue) large = true;
  if (large) hash.convertToTable();
  for (let i = 0; i < entries.length; i += 2) {
    if (!hash.set(entries[i], entries[i + 1])) throw new RdbError('Duplicate hash fields detected', at);
  }
  return hash;
}

function zsetOf(members: readonly string[], scores: readonly number[], at: number, limits: EngineLimits): ZSetValue | null {
  if (members.length === 0) return null;
  const zset = new ZSetValue();
  // Built as a skiplist (keeping -0), then settled as a loading Redis would encode it.
  zset.isListpack = false;
  for (let i = 0; i < members.length; i++) {
    if (!zset.set(members[i], scores[i])) throw new RdbError('Duplicate zset fields detected', at);
  }
  zset.settleEncoding(limits);
  return zset;
}

/** A score stored as text in a ziplist or listpack (integers, %.17g, inf). */
function scoreFromText(text: string): number {
  // Numbers first: the pattern only runs for the rare text Number() refuses ("inf").
  const score = Number(text);
  if (!Number.isNaN(score)) return text.length === 0 ? NaN : score;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return NaN;
}

function nonEmptyList(elements: string[]): ListValue | null {
  return elements.length === 0 ? null : ListValue.of(elements);
}

