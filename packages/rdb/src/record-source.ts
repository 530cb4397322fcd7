import { type FrozenView, HashValue, ListValue, type RedisValue, SetValue, ZSetValue } from '@understudy/engine';

/**
 * A value as the record encoder reads it, shaped by the RDB type it is written as.
 *
 * Compact values (intsets and listpacks) are bounded by the encoding thresholds and become one
 * blob, so their elements are collected into arrays at once. Large values are read by dense
 * position: a live source reads the keyspace's value in place, a frozen source reads the
 * value as it was when it was about to change (through the value's frozen view: no copy).
 * Both give the same element at the same position, so an encoder half way through a live
 * value can continue on its frozen view.
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

/** A value as it was, for a record written after it changes. */
export interface FrozenSource {
  readonly source: RecordSource;
  /** The value's view the source reads, to release once written; null for a copy. */
  readonly view: FrozenView | null;
}

/**
 * What the encoder needs from a value that is about to change. Large collections are frozen
 * (they save an old element before each change, until the view is released), so this costs
 * the same at any size. Strings are immutable, and compact values are collected into arrays
 * by liveSource already.
 */
export function frozenSource(value: RedisValue): FrozenSource {
  if (value instanceof ListValue) {
    const view = value.freeze();
    return { source: { kind: 'list', size: view.size, item: (position) => view.at(position) }, view };
  }
  if (value instanceof SetValue && !value.isIntset) {
    const view = value.freeze();
    return { source: { kind: 'set', size: view.size, member: (position) => view.memberAt(position) }, view };
  }
  if (value instanceof HashValue && !value.isListpack) {
    const view = value.freeze();
    return { source: { kind: 'hash', size: view.size, field: (position) => view.fieldAt(position), value: (position) => view.valueAt(position) }, view };
  }
  if (value instanceof ZSetValue && !value.isListpack) {
    const view = value.freeze();
    return { source: { kind: 'zset', size: view.size, member: (position) => view.memberAt(position), score: (position) => view.scoreAt(position) }, view };
  }
  return { source: liveSource(value), view: null };
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
