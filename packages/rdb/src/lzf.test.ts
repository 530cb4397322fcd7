import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';
import { Opcode, writeFileHeader } from './format.js';
import { writeRecord } from './record-encoder.js';
import { parseFile } from './test-support.js';
import { RdbWriter } from './writer.js';

/** A whole file of string keys, as the writer lays it out; compressed or not. */
function fileOf(values: readonly string[], compression: boolean): Buffer {
  const writer = new RdbWriter(compression);
  writeFileHeader(writer, [['redis-ver', '7.0.15']]);
  writer.byte(Opcode.selectDb);
  writer.length(0);
  values.forEach((value, i) => writeRecord(writer, `k${i}`, value, -1));
  writer.byte(Opcode.eof);
  const body = Buffer.concat(writer.take());
  return Buffer.concat([body, new Crc64().update(body).digest()]);
}

function valuesIn(file: Buffer): string[] {
  const db = parseFile(file).db(0);
  return Array.from({ length: db.size }, (_, i) => db.value(db.peek(`k${i}`)) as string);
}

/** CRC-64/Jones straight from its definition: reflected, one bit at a time. */
function bitwiseCrc64(bytes: Uint8Array): bigint {
  const polynomial = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of bytes) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1n) === 1n ? (crc >> 1n) ^ polynomial : crc >> 1n;
  }
  return crc;
}

describe('crc64', () => {
  it('matches the Jones test vector and the RDB sample', () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });

  it('agrees with the bit-at-a-time definition at any alignment of the bytes', () => {
    expect(bitwiseCrc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(7), (bytes, offset) => {
        // Placed `offset` bytes into a larger buffer: the word-at-a-time path sees every alignment.
        const placed = new Uint8Array(new ArrayBuffer(bytes.length + 8), offset, bytes.length);
        placed.set(bytes);
        expect(new Crc64().update(placed).value()).toBe(bitwiseCrc64(bytes));
      }),
    );
  });

  it('gives the same result over a buffer larger than the stretch it copies at a time', () => {
    const bytes = randomBytes(600 * 1024 + 5);
    const pieces = new Crc64();
    for (let at = 0; at < bytes.length; at += 1000) pieces.update(bytes.subarray(at, at + 1000));
    expect(new Crc64().update(bytes).value()).toBe(pieces.value());
    expect(new Crc64().update(bytes).digest().readBigUInt64LE()).toBe(pieces.value());
  });

  it('gives the same result whatever the chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
        const split = Math.min(cut, bytes.length);
        const whole = new Crc64().update(bytes).value();
        const parts = new Crc64().update(bytes.subarray(0, split)).update(bytes.subarray(split)).value();
        expect(parts).toBe(whole);
      }),
    );
  });
});

describe('lzf', () => {
  it('decodes the stream redis-server wrote for 50 times "a"', () => {
    const stored = Buffer.from([0x01, 0x61, 0x61, 0xe0, 0x25, 0x00, 0x01, 0x61, 0x61]);
    expect(lzfDecompress(stored, 50)?.toString()).toBe('a'.repeat(50));
    expect(lzfDecompress(stored, 49)).toBeNull();
  });

  it('round-trips any input it manages to compress', () => {
    const data = fc.oneof(
      fc.uint8Array({ minLength: 4, maxLength: 3000 }),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.nat(200)).map(([unit, times]) => Buffer.concat(Array.from({ length: times + 1 }, () => Buffer.from(unit)))),
    );
    fc.assert(
      fc.property(data, (bytes) => {
        const output = Buffer.alloc(bytes.length + 64);
        const length = lzfCompress(bytes, 0, bytes.length, output, output.length);
        if (length === 0) return;
        expect(lzfDecompress(output.subarray(0, length), bytes.length)).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('compresses repetitive text well and refuses to expand random bytes into a short output', () => {
    const text = Buffer.from('abcdefgh'.repeat(1000));
    const output = Buffer.alloc(text.length);
    const length = lzfCompress(text, 0, text.length, output, output.length);
    expect(length).toBeGreaterThan(0);
    expect(length).toBeLessThan(text.length / 10);
    const random = randomBytes(1000);
    expect(lzfCompress(random, 0, random.length, Buffer.alloc(random.length), random.length - 4)).toBe(0);
    // A part of a larger buffer compresses as if alone.
    const framed = Buffer.concat([randomBytes(10), text, randomBytes(10)]);
    expect(lzfCompress(framed, 10, text.length, output, output.length)).toBe(length);
  });

  it('compresses strings in place within chunks, leaving what cannot shrink as it was', () => {
    const value = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
      fc.tuple(fc.constantFrom('ab', 'xyz', 'hello world '), fc.integer({ min: 2, max: 9000 })).map(([unit, n]) => unit.repeat(n)),
      fc.integer({ min: 16000, max: 70000 }).map((n) => 'q'.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), (values) => {
        const packed = fileOf(values, true);
        const raw = fileOf(values, false);
        expect(packed.length).toBeLessThanOrEqual(raw.length);
        expect(valuesIn(packed)).toEqual(values);
        expect(valuesIn(raw)).toEqual(values);
      }),
      { numRuns: 200 },
    );
  });

  it('handles a string of megabytes, and small strings after it', () => {
    // Larger than the memory an instance keeps: it grows for this string and is replaced after.
    const words = Array.from({ length: 400_000 }, (_, i) => `w${(i * 7919) % 5000} `).join('');
    const large = Buffer.from(words);
    expect(large.length).toBeGreaterThan(2_000_000);
    for (let round = 0; round < 2; round++) {
      const packed = Buffer.alloc(large.length);
      const length = lzfCompress(large, 0, large.length, packed, large.length - 4);
      expect(length).toBeGreaterThan(0);
      // equals(), not toEqual: a deep comparison of megabytes takes seconds.
      expect(lzfDecompress(packed.subarray(0, length), large.length)?.equals(large)).toBe(true);
      const small = Buffer.from('small '.repeat(20));
      const smallPacked = Buffer.alloc(small.length);
      const smallLength = lzfCompress(small, 0, small.length, smallPacked, small.length);
      expect(lzfDecompress(smallPacked.subarray(0, smallLength), small.length)).toEqual(small);
    }
  });

  it('rejects streams that point before the start or overrun the output', () => {
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 10)).toBeNull();
    expect(lzfDecompress(Buffer.from([0x05, 1, 2]), 6)).toBeNull();
  });
});
