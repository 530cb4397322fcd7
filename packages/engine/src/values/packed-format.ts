import type { EngineLimits } from '../keyspace.js';
import type { RedisValue, TypeName } from './value.js';

/**
 * A serialized form a collection can stay in until a command first uses it: a value loaded
 * from a file keeps the bytes the file held it in. The database keeps those bytes in its
 * string slab (out of V8's heap, nothing for a collection to trace), asks the format to
 * decode them on first use, and lets a snapshot write them out again as they are. Loading
 * then makes no object per element, and a snapshot of values nobody touched costs no work on
 * the event loop.
 */
export interface PackedFormat {
  /** The value's type, which TYPE and SCAN's TYPE filter report without decoding. */
  readonly type: Exclude<TypeName, 'string'>;
  /** What the format's owner tells its formats apart by (the RDB package: the type byte). */
  readonly tag: number;
  /**
   * The value the bytes hold, in the encoding `limits` give it. The bytes are valid only
   * during the call. The owner checked them when it packed them; a throw here means a bug.
   */
  unpack(bytes: Buffer, limits: EngineLimits): RedisValue;
}
