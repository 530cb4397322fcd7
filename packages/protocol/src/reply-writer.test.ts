import { describe, expect, it } from 'vitest';
import { formatDouble } from './double-format.js';
import { ReplyWriter } from './reply-writer.js';
import { scanReply } from './reply-scanner.js';

function written(fill: (writer: ReplyWriter) => void, protocol: 2 | 3 = 2): string {
  const writer = new ReplyWriter();
  writer.protocol = protocol;
  fill(writer);
  return writer.take()?.toString('latin1') ?? '';
}

describe('ReplyWriter', () => {
  it('encodes the RESP2 forms', () => {
    expect(written((w) => w.simple('OK'))).toBe('+OK\r\n');
    expect(written((w) => w.error('ERR bad\r\nthing'))).toBe('-ERR bad  thing\r\n');
    expect(written((w) => w.integer(-42))).toBe(':-42\r\n');
    expect(written((w) => w.integer(9223372036854775807n))).toBe(':9223372036854775807\r\n');
    expect(written((w) => w.bulk('\u00ff\u0000x'))).toBe('$3\r\n\u00ff\u0000x\r\n');
    expect(written((w) => w.nil())).toBe('$-1\r\n');
    expect(written((w) => w.nilArray())).toBe('*-1\r\n');
    expect(written((w) => w.map(1))).toBe('*2\r\n');
    expect(written((w) => w.double(1.5))).toBe('$3\r\n1.5\r\n');
    expect(written((w) => w.boolean(true))).toBe(':1\r\n');
    expect(written((w) => w.verbatim('hi'))).toBe('$2\r\nhi\r\n');
  });

  it('encodes the RESP3 forms', () => {
    expect(written((w) => w.nil(), 3)).toBe('_\r\n');
    expect(written((w) => w.nilArray(), 3)).toBe('_\r\n');
    expect(written((w) => w.map(2), 3)).toBe('%2\r\n');
    expect(written((w) => w.set(2), 3)).toBe('~2\r\n');
    expect(written((w) => w.push(3), 3)).toBe('>3\r\n');
    expect(written((w) => w.double(Infinity), 3)).toBe(',inf\r\n');
    expect(written((w) => w.boolean(false), 3)).toBe('#f\r\n');
    expect(written((w) => w.verbatim('hi'), 3)).toBe('=6\r\ntxt:hi\r\n');
  });

  it('keeps replies whole and in order across chunk boundaries', () => {
    const writer = new ReplyWriter();
    const values = Array.from({ length: 3000 }, (_, i) => 'x'.repeat(i % 97) + String(i));
    const big = 'B'.repeat(100_000);
    for (const value of values.slice(0, 1500)) writer.bulk(value);
    writer.bulk(big);
    for (const value of values.slice(1500)) writer.bulk(value);
    const out = writer.take()!;
    const expected = [...values.slice(0, 1500), big, ...values.slice(1500)];
    let at = 0;
    for (const value of expected) {
      const end = scanReply(out, at);
      expect(out.subarray(at, end).toString('latin1')).toBe(`$${value.length}\r\n${value}\r\n`);
      at = end;
    }
    expect(at).toBe(out.length);
    expect(writer.take()).toBeNull();
  });
});

describe('formatDouble', () => {
  it.each([
    [0.1, '0.10000000000000001'],
    [1.5, '1.5'],
    [-0, '-0'],
    [1e17, '1e+17'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1e16, '10000000000000000'],
    [0.0001, '0.0001'],
    [0.00001, '1.0000000000000001e-05'],
    [3.14159, '3.1415899999999999'],
    [2.5e-300, '2.5e-300'],
    [1 / 3, '0.33333333333333331'],
    [-Infinity, '-inf'],
  ])('prints %s as %s, like printf %%.17g', (value, text) => {
    expect(formatDouble(value)).toBe(text);
  });
});

describe('scanReply', () => {
  it('finds the end of nested replies and waits for incomplete ones', () => {
    const reply = Buffer.from('*2\r\n$3\r\nfoo\r\n%1\r\n+a\r\n:1\r\n');
    expect(scanReply(reply, 0)).toBe(reply.length);
    expect(scanReply(reply.subarray(0, reply.length - 1), 0)).toBe(-1);
    expect(scanReply(Buffer.from('$-1\r\n*-1\r\n'), 0)).toBe(5);
  });
});
