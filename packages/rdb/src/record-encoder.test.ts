import { HashValue, ListValue, NO_EXPIRY, type RedisValue, SetValue, ZSetValue } from '@understudy/engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordEncoder, writeRecord } from './record-encoder.js';
import { liveSource } from './record-source.js';
import { RdbWriter } from './writer.js';

/** Elements that take each listpack form: small and large integers, short and long text. */
const element = fc.oneof(
  fc.integer({ min: -70_000, max: 70_000 }).map(String),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.string({ maxLength: 30 }),
  fc.string({ minLength: 60, maxLength: 200 }),
);
const score = fc.oneof(
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map((n) => n / 100),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true }),
  fc.integer({ min: 1, max: 2 ** 52 }).map((n) => n / 1000),
);

const value: fc.Arbitrary<Exclude<RedisValue, string>> = fc.oneof(
  // Long elements too, so that lists fill one 8 KiB node or spill into more.
  fc.array(fc.oneof(element, fc.string({ minLength: 100, maxLength: 300 })), { minLength: 1, maxLength: 140, size: 'max' }).map((items) => {
    const list = new ListValue();
    for (const item of items) list.pushTail(item);
    return list;
  }),
  fc.tuple(fc.uniqueArray(element, { minLength: 1, maxLength: 140, size: 'max' }), fc.boolean()).map(([members, table]) => {
    const set = new SetValue();
    for (const member of members) set.add(member, table ? 0 : 512);
    return set;
  }),
  fc.tuple(fc.uniqueArray(fc.tuple(element, element), { minLength: 1, maxLength: 140, size: 'max', selector: ([field]) => field }), fc.boolean()).map(([entries, table]) => {
    const hash = new HashValue();
    for (const [field, entry] of entries) hash.set(field, entry);
    if (table) hash.convertToTable();
    return hash;
  }),
  fc.tuple(fc.uniqueArray(fc.tuple(element, score), { minLength: 1, maxLength: 140, size: 'max', selector: ([member]) => member }), fc.boolean()).map(([entries, table]) => {
    const zset = new ZSetValue();
    for (const [member, entryScore] of entries) zset.set(member, entryScore);
    zset.settleEncoding({ zsetMaxListpackEntries: table ? 0 : 1024, zsetMaxListpackValue: table ? 0 : 1024 });
    return zset;
  }),
);

function bytes(write: (writer: RdbWriter) => void): Buffer {
  const writer = new RdbWriter(true);
  write(writer);
  return Buffer.concat(writer.take());
}

describe('writeRecord', () => {
  it('writes a collection exactly as RecordEncoder does, whichever path it takes', () => {
    fc.assert(
      fc.property(value, fc.constantFrom(NO_EXPIRY, 1_700_000_000_000), (collection, expireAt) => {
        const direct = bytes((writer) => writeRecord(writer, 'key', collection, expireAt));
        const encoded = bytes((writer) => new RecordEncoder(writer, 'key', liveSource(collection), expireAt).step());
        expect(direct.equals(encoded)).toBe(true);
      }),
      // Shrinking lists of 140 long strings takes minutes; the first counterexample is enough.
      { numRuns: 400, endOnFailure: true },
    );
  });
});
