import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, datasetDigest, Keyspace } from '@understudy/engine';
import { commandSequence, EngineSession } from '@understudy/engine/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIntset, encodeIntset } from './intset.js';
import { decodeListpack, encodeListpack, encodeScoredListpack } from './listpack.js';
import { CHECKSUM_THREAD_ABOVE, type LoadOptions, type LoadResult, loadFile } from './load.js';
import { RdbError } from './rdb-error.js';
import { RdbParser } from './reader.js';
import { expiries, parseFile, TEST_LIMITS } from './test-support.js';
import { crc64 } from './crc64.js';
import { writeRecord } from './record-encoder.js';
import { saveSync } from './save.js';
import { FileSink } from './sinks.js';
import { Snapshot } from './snapshot.js';
import { RdbWriter } from './writer.js';
import { decodeZiplist, decodeZipmap, encodeZiplist, encodeZipmap } from './ziplist.js';

const AUX = [['redis-ver', '7.0.15'], ['redis-bits', '64'], ['ctime', '1700000000'], ['used-mem', '1000000'], ['aof-base', '0']] as const;

function directory(): string {
  return mkdtempSync(join(tmpdir(), 'understudy-rdb-'));
}

/** Bytes of one key's record written by our encoder. */
function recordBytes(db: Database, key: string): Buffer {
  const slot = db.peek(key);
  const writer = new RdbWriter(true);
  writeRecord(writer, key, db.value(slot), db.expireAt(slot));
  return Buffer.concat(writer.take());
}

/** The record, in hex, of `key` after `build` ran. */
function record(build: (session: EngineSession) => void, key: string): string {
  const session = new EngineSession();
  build(session);
  return recordBytes(session.keyspace.db(0), key).toString('hex');
}

async function loadInto(path: string, keyspace: Keyspace, options: LoadOptions): Promise<LoadResult> {
  const databases = keyspace.createDatabases();
  const result = await loadFile(path, databases, options);
  keyspace.installDatabases(databases);
  return result;
}

describe('RDB encoding matches what redis-server 7.0.15 writes', () => {
  // Expected bytes: redis-server 7.0.15's annotated dump in ../shared/spec/rdb.md, section 14.
  it.each([
    ['string', (s: EngineSession) => s.run('SET', 's', 'hello'), 's', '000173' + '0568656c6c6f'],
    ['int-encoded string', (s: EngineSession) => s.run('SET', 'n', '12345'), 'n', '00016e' + 'c13930'],
    ['listpack hash', (s: EngineSession) => s.run('HSET', 'h', 'f', 'v', 'n', '7'), 'h', '100168' + '12' + '120000000400816602817602816e020701ff'],
    ['intset', (s: EngineSession) => s.run('SADD', 'si', '1', '2', '3'), 'si', '0b027369' + '0e' + '0200000003000000010002000300'],
    ['quicklist of one listpack node', (s: EngineSession) => s.run('RPUSH', 'l', 'a', 'b', '1'), 'l', '12016c01' + '02' + '0f' + '0f00000003008161028162020101ff'],
    ['listpack zset', (s: EngineSession) => s.run('ZADD', 'z', '1', 'a', '2.5', 'b'), 'z', '11017a' + '14' + '14000000040081610201018162028332' + '2e3504ff'],
    ['string with expiry', (s: EngineSession) => s.run('SET', 'e', 'v', 'PXAT', '4102444800000'), 'e', 'fc00d8c32cbb030000' + '00016501' + '76'],
  ])('%s', (_name, build, key, expected) => {
    expect(record(build, key)).toBe(expected);
  });

  it('writes hash-table forms like redis-server with the listpack limits at 0', () => {
    const session = new EngineSession();
    session.keyspace.limits.hashMaxListpackEntries = 0;
    session.keyspace.limits.zsetMaxListpackEntries = 0;
    session.keyspace.limits.setMaxIntsetEntries = 0;
    session.run('HSET', 'h', 'f', 'v');
    session.run('SADD', 'si', '5');
    const db = session.keyspace.db(0);
    const hex = (key: string): string => recordBytes(db, key).toString('hex');
    expect(hex('h')).toBe('04016801016601' + '76');
    expect(hex('si')).toBe('02027369' + '01c005');
  });
});

describe('a file written by redis-server 7.0.15', () => {
  // ../shared/spec/rdb.md section 14: SET s hello, SET n 12345, SET lz <50 x a>, RPUSH l a b 1,
  // SADD si 1 2 3, SADD ss x y, ZADD z 1 a 2.5 b, HSET h f v n 7, SET e v PXAT 4102444800000.
  const dump = Buffer.from(
    '524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa056374696d65c22533046bfa08757365642d6d656dc2f89b1000fa08616f662d62617365c000' +
      'fe00fb0901000173056' + '8656c6c6f1001681212000000040081660281760281' + '6e020701ff00016ec139300b0273690e02000000030000000100020003000002' + '6c7ac30932016161e0250001616112016c01020f0f0000000300816102816202010' +
      '1ff11017a141400000004008161020101816202833' + '22e3504ff020273730201790178fc00d8c32cbb0300000001650176ffd2ad17de8e60ed85',
    'hex',
  );

  it('parses, checksum (CRC64 Jones) verified and LZF string expanded, to the values written', () => {
    expect(dump.length).toBe(234);
    const aux = new Map<string, string>();
    const keyspace = new Keyspace();
    const parser = new RdbParser(
      { aux: (key, value) => aux.set(key, value), record: (record) => keyspace.db(record.db).add(record.key, record.value, record.expireAt) },
      { limits: TEST_LIMITS, verifyChecksum: true },
    );
    parser.push(dump);
    parser.end();
    expect(parser.checksum).toBe('verified');
    expect(aux.get('redis-ver')).toBe('7.0.15');
    expect(aux.get('ctime')).toBe(String(0x6b043325));
    const session = new EngineSession(keyspace);
    session.keyspace.setTime(1_700_000_000_000);
    expect(session.run('GET', 's')).toBe('hello');
    expect(session.run('GET', 'n')).toBe('12345');
    expect(session.run('GET', 'lz')).toBe('a'.repeat(50));
    expect(session.run('LRANGE', 'l', '0', '-1')).toEqual(['a', 'b', '1']);
    expect(session.run('SMEMBERS', 'si')).toEqual(['1', '2', '3']);
    expect(session.run('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toEqual(['a', '1', 'b', '2.5']);
    expect(session.run('HGETALL', 'h')).toEqual(['f', 'v', 'n', '7']);
    expect(session.run('PEXPIRETIME', 'e')).toBe(4102444800000);
    expect(crc64(dump.subarray(0, dump.length - 8))).toBe(dump.readBigUInt64LE(dump.length - 8));
  });

  it('writes those values back byte for byte, but for the LZF string (ours compresses differently)', () => {
    const db = parseFile(dump).db(0);
    const records = Buffer.concat(['s', 'h', 'n', 'si', 'l', 'z', 'ss', 'e'].map((key) => recordBytes(db, key)));
    // Redis's records for those keys, in file order, with the LZF one (lz) taken out.
    const theirs = Buffer.concat([dump.subarray(0x55, 0x8d), dump.subarray(0x9d, 0xe1)]);
    expect(records.toString('hex')).toBe(theirs.toString('hex'));
  });
});

describe('compact blobs', () => {
  it('encodes listpack integers exactly as Redis (observed bytes)', () => {
    const cases: [string, string][] = [
      ['100', '64'], ['-100', 'df9c'], ['5000', 'f18813'], ['-5000', 'f178ec'], ['70000', 'f27011' + '01'],
      ['-70000', 'f290eefe'], ['127', '7f'], ['128', 'c080'], ['-1', 'dfff'], ['-4096', 'd000'], ['4095', 'cfff'], ['4096', 'f10010'],
      ['3000000000', 'f4005ed0b200000000'],
    ];
    for (const [text, encoding] of cases) {
      const blob = encodeListpack([text]);
      const body = blob.subarray(6, blob.length - 1).toString('hex');
      expect(body.startsWith(encoding), text).toBe(true);
      expect(decodeListpack(blob)).toEqual([text]);
    }
  });

  it('round-trips listpacks, intsets, ziplists and zipmaps', () => {
    const strings = fc.array(fc.oneof(fc.string({ maxLength: 300 }).map((s) => Buffer.from(s).toString('latin1')), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String)), { maxLength: 40 });
    fc.assert(
      fc.property(strings, (entries) => {
        expect(decodeListpack(encodeListpack(entries))).toEqual(entries);
        expect(decodeZiplist(encodeZiplist(entries))).toEqual(entries);
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 50 }), (values) => {
        const members = values.sort((a, b) => (a < b ? -1 : 1)).map(String);
        expect(decodeIntset(encodeIntset(members))).toEqual(members);
      }),
    );
    const pairs: [string, string][] = [['f', 'v'], ['long', 'x'.repeat(300)]];
    expect(decodeZipmap(encodeZipmap(pairs))).toEqual(pairs.flat());
  });

  it('writes sorted-set scores that read back as the same doubles, integral ones as integers', () => {
    const decimals = fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 8 })).map(([m, k]) => m / 10 ** k);
    const score = fc.oneof(decimals, fc.double({ noNaN: true }), fc.integer(), fc.constantFrom(0.1, -0.05, 1e-7, 2 ** 53 + 2, 1e300, 5e-324));
    fc.assert(
      fc.property(fc.array(score, { maxLength: 40 }), (scores) => {
        const members = scores.map((_, i) => `m${i}`);
        const entries = decodeListpack(encodeScoredListpack(members, scores));
        expect(entries.filter((_, i) => i % 2 === 0)).toEqual(members);
        const read = entries.filter((_, i) => i % 2 === 1).map((text) => (text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text)));
        // A listpack has no -0: integral scores are integers.
        expect(read).toEqual(scores.map((s) => (s === 0 ? 0 : s)));
      }),
    );
    const blob = encodeScoredListpack(['a', 'b', 'c', 'd'], [12.34, -0.05, 7, 1e-7]);
    expect(decodeListpack(blob)).toEqual(['a', '12.34', 'b', '-0.05', 'c', '7', 'd', '1e-7']);
    // 7 is the 1-byte integer 0x07, the others strings.
    expect(blob.subarray(6, blob.length - 1).includes(Buffer.from([0x07, 0x01]))).toBe(true);
  });

  it('rejects listpacks with a wrong size, backlen or count', () => {
    const blob = encodeListpack(['a', 'b']);
    const wrongSize = Buffer.from(blob);
    wrongSize.writeUInt32LE(blob.length + 1, 0);
    expect(() => decodeListpack(wrongSize)).toThrow(/size/);
    const wrongBacklen = Buffer.from(blob);
    wrongBacklen[8] = 5;
    expect(() => decodeListpack(wrongBacklen)).toThrow(/backlen/);
    const wrongCount = Buffer.from(blob);
    wrongCount.writeUInt16LE(3, 4);
    expect(() => decodeListpack(wrongCount)).toThrow(/count/);
  });
});

/** Builds a dataset from random commands in several databases. */
const dataset = fc.array(commandSequence, { minLength: 1, maxLength: 4 });

function build(sequences: { argv: string[] }[][]): EngineSession {
  const session = new EngineSession();
  session.keyspace.setTime(1_700_000_000_000);
  sequences.forEach((sequence, db) => {
    session.run('SELECT', String(db * 5));
    for (const generated of sequence) session.raw(...generated.argv);
  });
  return session;
}

/** Binary strings: any bytes, empty included, sometimes integers (int-encoded) or long (LZF). */
const bytes = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 24 }).map((data) => Buffer.from(data).toString('latin1')) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: -200000, max: 200000 }).map(String) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'xy', 'abc'), fc.integer({ min: 21, max: 300 })).map(([unit, n]) => unit.repeat(n)) },
);

/** Sizes on both sides of the listpack/intset thresholds, so both encodings are written. */
const size = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 120, max: 140 }), fc.integer({ min: 500, max: 530 }));

type ValueSpec =
  | { type: 'string'; value: string }
  | { type: 'list'; items: string[] }
  | { type: 'set'; members: string[] }
  | { type: 'hash'; entries: [string, string][] }
  | { type: 'zset'; entries: [number, string][] };

const valueSpec: fc.Arbitrary<ValueSpec> = fc.oneof(
  bytes.map((value): ValueSpec => ({ type: 'string', value })),
  size.chain((n) => fc.array(bytes, { minLength: 1, maxLength: n })).map((items): ValueSpec => ({ type: 'list', items })),
  size.chain((n) => fc.uniqueArray(fc.oneof(bytes, fc.integer({ min: -40000, max: 40000 }).map(String)), { minLength: 1, maxLength: n })).map((members): ValueSpec => ({ type: 'set', members })),
  size.chain((n) => fc.uniqueArray(fc.tuple(bytes, bytes), { minLength: 1, maxLength: n, selector: ([field]) => field })).map((entries): ValueSpec => ({ type: 'hash', entries })),
  size
    .chain((n) => fc.uniqueArray(fc.tuple(fc.oneof(fc.double({ noNaN: true }), fc.integer().map(Number)), bytes), { minLength: 1, maxLength: n, selector: ([, member]) => member }))
    .map((entries): ValueSpec => ({ type: 'zset', entries })),
);

/** Up to 16 databases of keys with any bytes, each with a value of any type and maybe an expiry. */
const randomDataset = fc.array(
  fc.record({
    db: fc.integer({ min: 0, max: 15 }),
    key: fc.uint8Array({ maxLength: 16 }).map((data) => Buffer.from(data).toString('latin1')),
    value: valueSpec,
    expireAt: fc.option(fc.integer({ min: 1, max: 2 ** 45 }), { nil: undefined }),
  }),
  { maxLength: 40 },
);

function materialize(specs: readonly { db: number; key: string; value: ValueSpec; expireAt: number | undefined }[]): Keyspace {
  const session = new EngineSession();
  // The engine chooses each value's encoding from its size, as the commands build it.
  for (const spec of specs) {
    session.run('SELECT', String(spec.db));
    session.run('DEL', spec.key);
    const value = spec.value;
    if (value.type === 'string') session.run('SET', spec.key, value.value);
    else if (value.type === 'list') session.run('RPUSH', spec.key, ...value.items);
    else if (value.type === 'set') session.run('SADD', spec.key, ...value.members);
    else if (value.type === 'hash') session.run('HSET', spec.key, ...value.entries.flat());
    else session.run('ZADD', spec.key, ...value.entries.flatMap(([score, member]) => [String(score), member]));
    if (spec.expireAt !== undefined) session.keyspace.db(spec.db).setExpire(session.keyspace.db(spec.db).peek(spec.key), spec.expireAt);
  }
  return session.keyspace;
}

/** Every key with its type, encoding and expiry: what a round trip must keep besides the digest. */
function shape(keyspace: Keyspace): string[] {
  const out: string[] = [];
  keyspace.databases.forEach((db, index) => {
    for (let slot = 0; slot < db.size; slot++) out.push(`${index}:${JSON.stringify(db.key(slot))}:${db.encoding(slot)}:${db.expireAt(slot)}`);
  });
  return out.sort();
}

describe('round trip', () => {
  it('random datasets of every type, binary keys and values, expiries and 16 databases survive SAVE, BGSAVE and loading', async () => {
    const dir = directory();
    await fc.assert(
      fc.asyncProperty(randomDataset, fc.boolean(), fc.boolean(), async (specs, compression, checksum) => {
        const keyspace = materialize(specs);
        const digest = datasetDigest(keyspace);
        const expected = shape(keyspace);
        const path = join(dir, 'dump.rdb');
        saveSync(keyspace, path, { compression, checksum, aux: AUX });
        const loaded = new Keyspace();
        await loadInto(path, loaded, { limits: TEST_LIMITS, verifyChecksum: true, dropExpired: false, now: 0 });
        // Saved again before any value is used: packed collections go back as they came.
        const again = join(dir, 'again.rdb');
        saveSync(loaded, again, { compression, checksum, aux: AUX });
        expect(readFileSync(again).equals(readFileSync(path))).toBe(true);
        expect(datasetDigest(loaded)).toBe(digest);
        expect(shape(loaded)).toEqual(expected);
        await new Snapshot(keyspace, [new FileSink(path)], { compression, checksum, aux: AUX }).run();
        const walked = parseFile(readFileSync(path));
        expect(datasetDigest(walked)).toBe(digest);
        expect(shape(walked)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('SAVE then load gives the same DEBUG DIGEST and expiries, for random datasets in many databases', async () => {
    const dir = directory();
    await fc.assert(
      fc.asyncProperty(dataset, fc.boolean(), fc.boolean(), async (sequences, compression, checksum) => {
        const session = build(sequences);
        const path = join(dir, 'dump.rdb');
        saveSync(session.keyspace, path, { compression, checksum, aux: AUX });
        const loaded = new Keyspace();
        await loadInto(path, loaded, { limits: TEST_LIMITS, verifyChecksum: true, dropExpired: false, now: 0 });
        expect(datasetDigest(loaded)).toBe(datasetDigest(session.keyspace));
        expect(expiries(loaded)).toEqual(expiries(session.keyspace));
      }),
      { numRuns: 60 },
    );
  });

  it('the forkless snapshot writes the same file content as SAVE for a quiet dataset', async () => {
    const dir = directory();
    await fc.assert(
      fc.asyncProperty(dataset, async (sequences) => {
        const session = build(sequences);
        const path = join(dir, 'bg.rdb');
        await new Snapshot(session.keyspace, [new FileSink(path)], { compression: true, checksum: true, aux: AUX }).run();
        const loaded = parseFile(readFileSync(path));
        expect(datasetDigest(loaded)).toBe(datasetDigest(session.keyspace));
      }),
      { numRuns: 40 },
    );
  });

  it('loads binary keys and values of every byte', async () => {
    const session = new EngineSession();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
    session.run('SET', bytes, bytes);
    session.run('HSET', 'h', bytes, bytes);
    session.run('ZADD', 'z', '-inf', bytes, 'inf', 'x');
    const path = join(directory(), 'binary.rdb');
    saveSync(session.keyspace, path, { compression: true, checksum: true, aux: AUX });
    const loaded = new Keyspace();
    await loadInto(path, loaded, { limits: TEST_LIMITS, verifyChecksum: true, dropExpired: false, now: 0 });
    expect(datasetDigest(loaded)).toBe(datasetDigest(session.keyspace));
  });
});

describe('streaming and corruption', () => {
  function sampleFile(): Buffer {
    const session = new EngineSession();
    for (let i = 0; i < 300; i++) session.run('SET', `k${i}`, 'v'.repeat(i % 40));
    session.run('RPUSH', 'list', ...Array.from({ length: 1000 }, (_, i) => `e${i}`));
    session.run('HSET', 'big', ...Array.from({ length: 400 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    const path = join(directory(), 'sample.rdb');
    saveSync(session.keyspace, path, { compression: true, checksum: true, aux: AUX });
    return readFileSync(path);
  }

  it('reads a file fed one byte at a time', () => {
    const file = sampleFile();
    let keys = 0;
    const parser = new RdbParser({ record: () => keys++ }, { limits: TEST_LIMITS, verifyChecksum: true });
    for (let i = 0; i < file.length; i++) parser.push(file.subarray(i, i + 1));
    parser.end();
    expect(keys).toBe(302);
  });

  it('refuses every truncation with an offset, never loading half a file silently', () => {
    const file = sampleFile();
    for (let cut = 0; cut < file.length; cut += Math.max(1, Math.floor(file.length / 200))) {
      const parser = new RdbParser({ record: () => undefined }, { limits: TEST_LIMITS, verifyChecksum: true });
      expect(() => {
        parser.push(file.subarray(0, cut));
        parser.end();
      }).toThrow(RdbError);
    }
  });

  it('detects flipped bytes (checksum, or structure first) with an offset', () => {
    const file = sampleFile();
    for (let at = 0; at < file.length; at += 97) {
      const corrupt = Buffer.from(file);
      corrupt[at] ^= 0x5a;
      const parser = new RdbParser({ record: () => undefined }, { limits: TEST_LIMITS, verifyChecksum: true });
      let error: unknown = null;
      try {
        parser.push(corrupt);
        parser.end();
      } catch (caught) {
        error = caught;
      }
      expect(error, `flip at ${at}`).toBeInstanceOf(RdbError);
      expect((error as RdbError).offset).toBeGreaterThanOrEqual(0);
    }
  });

  it('names the problem: signature, version, checksum, unknown type', () => {
    const file = sampleFile();
    const attempt = (bytes: Buffer): RdbError => {
      try {
        const parser = new RdbParser({ record: () => undefined }, { limits: TEST_LIMITS, verifyChecksum: true });
        parser.push(bytes);
        parser.end();
      } catch (error) {
        return error as RdbError;
      }
      throw new Error('accepted');
    };
    expect(attempt(Buffer.concat([Buffer.from('RADIS'), file.subarray(5)])).message).toMatch(/^Wrong signature trying to load DB from file at offset 0/);
    expect(attempt(Buffer.concat([Buffer.from('REDIS0011'), file.subarray(9)])).message).toMatch(/^Can't handle RDB format version 0011/);
    const badChecksum = Buffer.from(file);
    badChecksum[badChecksum.length - 1] ^= 1;
    expect(attempt(badChecksum).message).toMatch(/^Wrong RDB checksum expected: \([0-9a-f]{16}\) but got \([0-9a-f]{16}\) at offset \d+/);
    const header = file.subarray(0, file.indexOf(0xfe));
    const unknownType = Buffer.concat([header, Buffer.from([0xfe, 0x00, 0x08, 0x01, 0x6b])]);
    expect(attempt(unknownType).message).toMatch(/^Unknown RDB encoding type 8 at offset/);
    const stream = Buffer.concat([header, Buffer.from([0xfe, 0x00, 0x13, 0x01, 0x6b, 0x00])]);
    expect(attempt(stream).message).toMatch(/Streams are not supported \(type 19 stream-v2\)/);
  });

  it('reads the version 9 encodings: ziplist hashes, zsets and lists, quicklist v1, zipmap', () => {
    const writer = new RdbWriter(false);
    writer.bytes(Buffer.from('REDIS0009'));
    writer.byte(0xfe);
    writer.length(0);
    const blob = (type: number, key: string, data: Buffer): void => {
      writer.byte(type);
      writer.string(key);
      writer.blob(data);
    };
    blob(13, 'hash', encodeZiplist(['f', 'v', 'n', '7']));
    blob(12, 'zset', encodeZiplist(['a', '1', 'b', '2.5']));
    blob(10, 'oldlist', encodeZiplist(['x', '300', 'y']));
    blob(9, 'zipmap', encodeZipmap([['a', 'b']]));
    writer.byte(14);
    writer.string('quick');
    writer.length(2);
    writer.blob(encodeZiplist(['1', '2']));
    writer.blob(encodeZiplist(['3']));
    writer.byte(0xff);
    writer.bytes(Buffer.alloc(8));
    const keyspace = parseFile(Buffer.concat(writer.take()));
    const session = new EngineSession(keyspace);
    expect(session.run('HGETALL', 'hash')).toEqual(['f', 'v', 'n', '7']);
    expect(session.run('ZRANGE', 'zset', '0', '-1', 'WITHSCORES')).toEqual(['a', '1', 'b', '2.5']);
    expect(session.run('LRANGE', 'oldlist', '0', '-1')).toEqual(['x', '300', 'y']);
    expect(session.run('HGET', 'zipmap', 'a')).toBe('b');
    expect(session.run('LRANGE', 'quick', '0', '-1')).toEqual(['1', '2', '3']);
  });

  it('verifies the checksum of a large file on another thread, refusing one flipped byte', async () => {
    const session = new EngineSession();
    const value = 'v'.repeat(1000);
    for (let i = 0; i < CHECKSUM_THREAD_ABOVE / 900; i++) session.run('SET', `key:${i}`, `${value}${i}`);
    const path = join(directory(), 'large.rdb');
    saveSync(session.keyspace, path, { compression: false, checksum: true, aux: AUX });
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(CHECKSUM_THREAD_ABOVE);
    const loaded = new Keyspace();
    await loadInto(path, loaded, { limits: TEST_LIMITS, verifyChecksum: true, dropExpired: false, now: 0 });
    expect(datasetDigest(loaded)).toBe(datasetDigest(session.keyspace));
    // A byte inside a value: the structure still parses, only the checksum can tell.
    const at = bytes.indexOf(Buffer.from(value)) + 10;
    bytes[at] ^= 0x01;
    writeFileSync(path, bytes);
    await expect(loadInto(path, new Keyspace(), { limits: TEST_LIMITS, verifyChecksum: true, dropExpired: false, now: 0 })).rejects.toThrow(
      new RegExp(`^Wrong RDB checksum expected: \\([0-9a-f]{16}\\) but got \\([0-9a-f]{16}\\) at offset ${bytes.length - 8}$`),
    );
  });

  it('carries the replication AUX fields, which redis-check-rdb accepts', async () => {
    const session = new EngineSession();
    session.run('SET', 'a', '1');
    const path = join(directory(), 'repl.rdb');
    const aux: [string, string][] = [
      ['redis-ver', '7.0.15'],
      ['redis-bits', '64'],
      ['ctime', '1700000000'],
      ['used-mem', '1000000'],
      ['repl-stream-db', '3'],
      ['repl-id', 'a'.repeat(40)],
      ['repl-offset', '123456789'],
      ['aof-base', '0'],
    ];
    saveSync(session.keyspace, path, { compression: true, checksum: true, aux });
    const read: [string, string][] = [];
    const parser = new RdbParser({ aux: (key, value) => read.push([key, value]), record: () => undefined }, { limits: TEST_LIMITS, verifyChecksum: true });
    parser.push(readFileSync(path));
    parser.end();
    expect(read).toEqual(aux);
    const checked = spawnSync('redis-check-rdb', [path], { encoding: 'latin1' });
    expect(checked.status).toBe(0);
    expect(checked.stdout).toContain(`AUX FIELD repl-id = '${'a'.repeat(40)}'`);
    expect(checked.stdout).toContain("AUX FIELD repl-offset = '123456789'");
  });

  it('accepts a file whose checksum is zero (rdbchecksum no)', async () => {
    const session = new EngineSession();
    session.run('SET', 'a', 'b');
    const path = join(directory(), 'nocrc.rdb');
    saveSync(session.keyspace, path, { compression: true, checksum: false, aux: AUX });
    expect(readFileSync(path).subarray(-8)).toEqual(Buffer.alloc(8));
    const loaded = new Keyspace();
    await loadInto(path, loaded, { limits: TEST_LIMITS, verifyChecksum: true, dropExpired: false, now: 0 });
    expect(loaded.db(0).size).toBe(1);
  });

  it('drops keys already expired when loading as a primary', async () => {
    const session = new EngineSession();
    session.keyspace.setTime(1000);
    session.run('SET', 'old', 'x', 'PXAT', '2000');
    session.run('SET', 'new', 'x', 'PXAT', '9000000000000');
    const path = join(directory(), 'expired.rdb');
    saveSync(session.keyspace, path, { compression: true, checksum: true, aux: AUX });
    const loaded = new Keyspace();
    const result = await loadInto(path, loaded, { limits: TEST_LIMITS, verifyChecksum: true, dropExpired: true, now: 5000 });
    expect(result.keysExpired).toBe(1);
    expect(loaded.db(0).peek('old')).toBe(-1);
    expect(loaded.db(0).peek('new')).toBeGreaterThanOrEqual(0);
  });
});
