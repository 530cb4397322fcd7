import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './protocol-error.js';
import { RequestParser } from './request-parser.js';

function encode(argv: readonly string[]): Buffer {
  let out = `*${argv.length}\r\n`;
  for (const arg of argv) out += `$${arg.length}\r\n${arg}\r\n`;
  return Buffer.from(out, 'latin1');
}

/** Feeds `input` and collects every command, or the protocol error that stopped parsing. */
function parseAll(input: Buffer | string, configure?: (parser: RequestParser) => void): { commands: string[][]; error?: ProtocolError } {
  const parser = new RequestParser();
  configure?.(parser);
  const commands: string[][] = [];
  try {
    parser.append(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) commands.push(argv);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { commands, error };
  }
  return { commands };
}

const binaryString = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
const command = fc.array(binaryString, { minLength: 1, maxLength: 6 });

describe('RequestParser', () => {
  it('frames multibulk commands with binary arguments, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (commands, cuts) => {
        const wire = Buffer.concat(commands.map(encode));
        const parser = new RequestParser();
        const got: string[][] = [];
        const points = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const point of [...points, wire.length]) {
          parser.append(wire.subarray(from, point));
          from = point;
          for (let argv = parser.next(); argv !== null; argv = parser.next()) got.push(argv);
        }
        expect(got).toEqual(commands);
        expect(parser.bufferedBytes).toBe(0);
      }),
    );
  });

  it('parses inline commands with quoting like redis-server', () => {
    const { commands } = parseAll('PING\r\nset "a b" \'c\\\'d\'\nECHO "\\x41\\n"\r\n\r\n');
    expect(commands).toEqual([['PING'], ['set', 'a b', "c'd"], ['ECHO', 'A\n']]);
  });

  it('ignores empty and non-positive multibulk counts', () => {
    expect(parseAll('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n').commands).toEqual([['PING']]);
  });

  it.each([
    ['*abc\r\n', 'invalid multibulk length'],
    ['*-0\r\n', 'invalid multibulk length'],
    ['*2147483648\r\n', 'invalid multibulk length'],
    ['*1\r\n$-1\r\n', 'invalid bulk length'],
    ['*1\r\n$x\r\n', 'invalid bulk length'],
    ['*1\r\n$629145600\r\n', 'invalid bulk length'],
    ['*1\r\n+3\r\nfoo\r\n', "expected '$', got '+'"],
    ['ECHO "abc\r\n', 'unbalanced quotes in request'],
    ['ECHO "abc"def\r\n', 'unbalanced quotes in request'],
  ])('rejects %j with "%s"', (input, reason) => {
    const { error } = parseAll(input);
    expect(error?.reason).toBe(reason);
    expect(error?.reply).toBe(true);
  });

  it('executes the commands before a protocol error', () => {
    const { commands, error } = parseAll('*1\r\n$4\r\nPING\r\n*1\r\n$-5\r\n');
    expect(commands).toEqual([['PING']]);
    expect(error?.reason).toBe('invalid bulk length');
  });

  it('rejects header lines and inline requests longer than 64 KiB', () => {
    expect(parseAll(`*1${'1'.repeat(70000)}`).error?.reason).toBe('too big mbulk count string');
    expect(parseAll(`*1\r\n$1${'1'.repeat(70000)}`).error?.reason).toBe('too big bulk count string');
    expect(parseAll(`PING ${'x'.repeat(70000)}`).error?.reason).toBe('too big inline request');
  });

  it('applies the tighter limits while authentication is required', () => {
    const auth = (parser: RequestParser): void => {
      parser.authRequired = true;
    };
    expect(parseAll('*11\r\n', auth).error?.reason).toBe('unauthenticated multibulk length');
    expect(parseAll('*1\r\n$16385\r\n', auth).error?.reason).toBe('unauthenticated bulk length');
    expect(parseAll('*10\r\n$16384\r\n', auth).error).toBeUndefined();
  });

  it('enforces proto-max-bulk-len except on the primary link', () => {
    const small = (parser: RequestParser): void => {
      parser.maxBulkLength = 10;
    };
    expect(parseAll('*1\r\n$11\r\n', small).error?.reason).toBe('invalid bulk length');
    const primary = (parser: RequestParser): void => {
      parser.maxBulkLength = 10;
      parser.primaryLink = true;
    };
    expect(parseAll(encode(['SET', 'k', 'x'.repeat(20)]), primary).commands).toHaveLength(1);
  });

  it('closes without a reply past client-query-buffer-limit', () => {
    const parser = new RequestParser();
    parser.queryBufferLimit = 1024;
    parser.append(Buffer.from('*1\r\n$2000\r\n'));
    expect(() => parser.append(Buffer.alloc(1100, 0x61))).toThrowError(ProtocolError);
    try {
      parser.append(Buffer.alloc(1, 0x61));
    } catch (error) {
      expect((error as ProtocolError).reply).toBe(false);
    }
  });

  it('keeps a large bulk in chunks until it is complete', () => {
    const parser = new RequestParser();
    const value = 'v'.repeat(1_000_000);
    const wire = encode(['SET', 'k', value]);
    for (let at = 0; at < wire.length; at += 65536) {
      parser.append(wire.subarray(at, at + 65536));
      const argv = parser.next();
      if (at + 65536 < wire.length) expect(argv).toBeNull();
      else expect(argv).toEqual(['SET', 'k', value]);
    }
  });

  it('treats a NUL byte before the line end as a line still arriving, like strchr', () => {
    expect(parseAll('*1\0\r\n').commands).toEqual([]);
    expect(parseAll('*1\0\r\n').error).toBeUndefined();
  });

  it('survives arbitrary garbage: either commands or one protocol error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = parseAll(Buffer.from(bytes));
        for (const argv of result.commands) expect(argv.length).toBeGreaterThan(0);
      }),
    );
  });
});
