import { HashValue, ListValue, type RedisValue, SetValue, ZSetValue } from '@understudy/engine';

/**
 * A value as the record encoder reads it, shaped by the RDB type it is written as.
 *
 * Compact values (intsets and listpacks) are bounded by the encoding thresholds and become one
 * blob, so their elements are collected into arrays at once. Large values are read by dense
 * position: a live source reads the keyspace's value in place (the snapshot holds no copy), a
 * frozen source reads copies taken when the value was about to change. Both give the same
 * element at the same position, so an encoder half way through a live value can continue on
 * its frozen copy.
 */
export type RecordSource =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'list'; readonly size: number; item(position: number): string }
  | { readonly kind: 'intset'; readonly members: readonly string[] }
  | { readonly kind: 'set'; readonly size: number; member(position: number): string }
  /** Alternating fields and values, in the hash's listpack order. */
  | { readonly kind: 'hash-listpack'; readonly entries: readonly string[] }
  | { readonly kind: 'hash'; readonly size: number; field(position: number): string; value(position: number): string }
  /** Members and their scores, in rank order. */
  | { readonly kind: 'zset-listpack'; readonly members: readonly string[]; readonly scores: readonly number[] }
  | { readonly kind: 'zset'; readonly size: number; member(position: number): string; score(position: number): number };

/** Reads a value in place; valid only while the value does not change. */
export function liveSource(value: RedisValue): RecordSource {
  if (typeof value === 'string') return { kind: 'string', value };
  if (value instanceof ListValue) return { kind: 'list', size: value.length, item: (position) => value.at(position) };
  if (value instanceof SetValue) {
    if (value.isIntset) return { kind: 'intset', members: value.toArray() };
    return { kind: 'set', size: value.size, member: (position) => value.memberAt(position) };
  }
  if (value instanceof HashValue) {
    if (value.isListpack) return { kind: 'hash-listpack', entries: hashEntries(value) };
    return { kind: 'hash', size: value.size, field: (position) => value.fieldAt(position), value: (position) => value.valueAt(position) };
  }
  if (value.isListpack) return zsetByRank(value);
  return { kind: 'zset', size: value.size, member: (position) => value.memberAt(position), score: (position) => value.scoreAt(position) };
}

/**
 * Copies what the encoder needs from a value that is about to change. Collections copy their
 * arrays of (shared) strings: a pointer per element, never the element bytes. Strings are
 * immutable, and compact values are collected into arrays by liveSource already.
 */
export function frozenSource(value: RedisValue): RecordSource {
  if (value instanceof ListValue) {
    const items = value.toArray();
    return { kind: 'list', size: items.length, item: (position) => items[position] };
  }
  if (value instanceof SetValue && !value.isIntset) {
    const members = value.toArray();
    return { kind: 'set', size: members.length, member: (position) => members[position] };
  }
  if (value instanceof HashValue && !value.isListpack) {
    const [fields, values] = value.copyEntries();
    return { kind: 'hash', size: fields.length, field: (position) => fields[position], value: (position) => values[position] };
  }
  if (value instanceof ZSetValue && !value.isListpack) {
    const [members, scores] = value.copyEntries();
    return { kind: 'zset', size: members.length, member: (position) => members[position], score: (position) => scores[position] };
  }
  return liveSource(value);
}

/** Elements a source holds (1 for a string), for progress and memory estimates. */
export function sourceElements(source: RecordSource): number {
  switch (source.kind) {
    case 'string':
      return 1;
    case 'intset':
      return source.members.length;
    case 'hash-listpack':
      return source.entries.length;
    case 'zset-listpack':
      return source.members.length * 2;
    default:
      return source.size;
  }
}

function hashEntries(hash: HashValue): string[] {
  const entries = new Array<string>(hash.size * 2);
  for (let i = 0; i < hash.size; i++) {
    entries[2 * i] = hash.fieldAt(i);
    entries[2 * i + 1] = hash.valueAt(i);
  }
  return entries;
}

function zsetByRank(zset: ZSetValue): RecordSource {
  const members = new Array<string>(zset.size);
  const scores = new Array<number>(zset.size);
  let rank = 0;
  if (zset.size > 0) {
    zset.order.visit(0, zset.size - 1, (score, member) => {
      members[rank] = member;
      scores[rank++] = score;
    });
  }
  return { kind: 'zset-listpack', members, scores };
}
