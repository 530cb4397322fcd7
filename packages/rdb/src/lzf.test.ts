import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';

describe('crc64', () => {
  it('matches the Jones test vector and the RDB sample', () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(Buffer.alloc(0))).toBe(0n);
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
        const length = lzfCompress(bytes, output);
        if (length === 0) return;
        expect(lzfDecompress(output.subarray(0, length), bytes.length)).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('compresses repetitive text well and refuses to expand random bytes into a short output', () => {
    const text = Buffer.from('abcdefgh'.repeat(1000));
    const output = Buffer.alloc(text.length);
    const length = lzfCompress(text, output);
    expect(length).toBeGreaterThan(0);
    expect(length).toBeLessThan(text.length / 10);
    const random = randomBytes(1000);
    expect(lzfCompress(random, Buffer.alloc(random.length - 4))).toBe(0);
  });

  it('rejects streams that point before the start or overrun the output', () => {
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 10)).toBeNull();
    expect(lzfDecompress(Buffer.from([0x05, 1, 2]), 6)).toBeNull();
  });
});
