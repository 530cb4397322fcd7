import { WRONG_TYPE } from '../errors.js';
import { isCanonicalInteger } from '../numbers.js';
import { HashValue } from './hash-value.js';
import { ListValue } from './list-value.js';
import { SetValue } from './set-value.js';
import { ZSetValue } from './zset-value.js';

/** A value in the keyspace. Strings are immutable latin1 strings; the others change in place. */
export type RedisValue = string | ListValue | SetValue | ZSetValue | HashValue;

/** Redis's OBJ_* type numbers; DEBUG DIGEST mixes them in and RDB type bytes follow them. */
export const ObjectType = { string: 0, list: 1, set: 2, zset: 3, hash: 4 } as const;

export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash';

export function typeName(value: RedisValue): TypeName {
  if (typeof value === 'string') return 'string';
  if (value instanceof ListValue) return 'list';
  if (value instanceof HashValue) return 'hash';
  if (value instanceof SetValue) return 'set';
  return 'zset';
}

export function objectType(value: RedisValue): number {
  return ObjectType[typeName(value)];
}

/** Number of elements, for collection values (strings count as 1, as in RESIZEDB hints). */
export function valueLength(value: RedisValue): number {
  if (typeof value === 'string') return 1;
  return value instanceof ListValue ? value.length : value.size;
}

/** The encoding redis-server 7.0 would report in OBJECT ENCODING. */
export function encodingName(value: RedisValue): string {
  if (typeof value === 'string') {
    if (value.length <= 20 && isCanonicalInteger(value)) return 'int';
    return value.length <= 44 ? 'embstr' : 'raw';
  }
  if (value instanceof ListValue) return 'quicklist';
  if (value instanceof HashValue) return value.isListpack ? 'listpack' : 'hashtable';
  if (value instanceof SetValue) return value.isIntset ? 'intset' : 'hashtable';
  return value.isListpack ? 'listpack' : 'skiplist';
}

export function cloneValue(value: RedisValue): RedisValue {
  return typeof value === 'string' ? value : value.clone();
}

export function asString(value: RedisValue): string {
  if (typeof value !== 'string') throw WRONG_TYPE;
  return value;
}

export function asList(value: RedisValue): ListValue {
  if (!(value instanceof ListValue)) throw WRONG_TYPE;
  return value;
}

export function asHash(value: RedisValue): HashValue {
  if (!(value instanceof HashValue)) throw WRONG_TYPE;
  return value;
}

export function asSet(value: RedisValue): SetValue {
  if (!(value instanceof SetValue)) throw WRONG_TYPE;
  return value;
}

export function asZSet(value: RedisValue): ZSetValue {
  if (!(value instanceof ZSetValue)) throw WRONG_TYPE;
  return value;
}
