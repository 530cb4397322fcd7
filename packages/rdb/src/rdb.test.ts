import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetDigest, type EngineLimits, Keyspace, NO_EXPIRY } from '@understudy/engine';
import { commandSequence, EngineSession } from '@understudy/engine/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIntset, encodeIntset } from './intset.js';
import { decodeListpack, encodeListpack } from './listpack.js';
import { type LoadOptions, type LoadResult, loadFile } from './load.js';
import { RdbError } from './rdb-error.js';
import { RdbParser } from './reader.js';
import { writeRecord } from './record-encoder.js';
import { saveSync } from './save.js';
import { FileSink } from './sinks.js';
import { Snapshot } from './snapshot.js';
import { RdbWriter } from './writer.js';
import { decodeZiplist, decodeZipmap, encodeZiplist, encodeZipmap } from './ziplist.js';

const LIMITS: EngineLimits = {
  hashMaxListpackEntries: 128,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  maxStringLength: 512 * 1024 * 1024,
};

const AUX = [['redis-ver', '7.0.15'], ['redis-bits', '64'], ['ctime', '1700000000'], ['used-mem', '1000000'], ['aof-base', '0']] as const;

function directory(): string {
  return mkdtempSync(join(tmpdir(), 'understudy-rdb-'));
}

/** Bytes of one record written by our encoder. */
function record(build: (session: EngineSession) => void, key: string): string {
  const session = new EngineSession();
  build(session);
  const db = session.keyspace.db(0);
  const slot = db.peek(key);
  const writer = new RdbWriter(true);
  writeRecord(writer, key, db.value(slot), db.expireAt(slot));
  return Buffer.concat(writer.take()).toString('hex');
}

async function loadInto(path: string, keyspace: Keyspace, options: LoadOptions): Promise<LoadResult> {
  const databases = keyspace.createDatabases();
  const result = await loadFile(path, databases, options);
  keyspace.installDatabases(databases);
  return result;
}

/** Parses a whole file held in memory. */
function parseAll(bytes: Buffer): Keyspace {
  const keyspace = new Keyspace();
  const parser = new RdbParser({ record: (r) => keyspace.db(r.db).add(r.key, r.value, r.expireAt) }, { limits: LIMITS, verifyChecksum: true });
  parser.push(bytes);
  parser.end();
  return keyspace;
}

describe('RDB encoding matches what redis-server 7.0.15 writes', () => {
  // Expected bytes from the annotated dump of redis-server 7.0.15 (shared/spec/rdb.md section 14).
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
    const hex = (key: string): string => {
      const writer = new RdbWriter(true);
      writeRecord(writer, key, db.value(db.peek(key)), NO_EXPIRY);
      return Buffer.concat(writer.take()).toString('hex');
    };
    expect(hex('h')).toBe('04016801016601' + '76');
    expect(hex('si')).toBe('02027369' + '01c005');
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

function expiries(keyspace: Keyspace): string[] {
  const out: string[] = [];
  keyspace.databases.forEach((db, index) => {
    for (let slot = 0; slot < db.size; slot++) out.push(`${index}:${db.key(slot)}:${db.expireAt(slot)}`);
  });
  return out.sort();
}

describe('round trip', () => {
  it('SAVE then load gives the same DEBUG DIGEST and expiries, for random datasets in many databases', async () => {
    const dir = directory();
    await fc.assert(
      fc.asyncProperty(dataset, fc.boolean(), fc.boolean(), async (sequences, compression, checksum) => {
        const session = build(sequences);
        const path = join(dir, 'dump.rdb');
        saveSync(session.keyspace, path, { compression, checksum, aux: AUX });
        const loaded = new Keyspace();
        await loadInto(path, loaded, { limits: LIMITS, verifyChecksum: true, dropExpired: false, now: 0 });
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
        const loaded = parseAll(readFileSync(path));
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
    await loadInto(path, loaded, { limits: LIMITS, verifyChecksum: true, dropExpired: false, now: 0 });
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
    const parser = new RdbParser({ record: () => keys++ }, { limits: LIMITS, verifyChecksum: true });
    for (let i = 0; i < file.length; i++) parser.push(file.subarray(i, i + 1));
    parser.end();
    expect(keys).toBe(302);
  });

  it('refuses every truncation with an offset, never loading half a file silently', () => {
    const file = sampleFile();
    for (let cut = 0; cut < file.length; cut += Math.max(1, Math.floor(file.length / 200))) {
      const parser = new RdbParser({ record: () => undefined }, { limits: LIMITS, verifyChecksum: true });
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
      const parser = new RdbParser({ record: () => undefined }, { limits: LIMITS, verifyChecksum: true });
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
        const parser = new RdbParser({ record: () => undefined }, { limits: LIMITS, verifyChecksum: true });
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
    const keyspace = parseAll(Buffer.concat(writer.take()));
    const session = new EngineSession(keyspace);
    expect(session.run('HGETALL', 'hash')).toEqual(['f', 'v', 'n', '7']);
    expect(session.run('ZRANGE', 'zset', '0', '-1', 'WITHSCORES')).toEqual(['a', '1', 'b', '2.5']);
    expect(session.run('LRANGE', 'oldlist', '0', '-1')).toEqual(['x', '300', 'y']);
    expect(session.run('HGET', 'zipmap', 'a')).toBe('b');
    expect(session.run('LRANGE', 'quick', '0', '-1')).toEqual(['1', '2', '3']);
  });

  it('accepts a file whose checksum is zero (rdbchecksum no)', async () => {
    const session = new EngineSession();
    session.run('SET', 'a', 'b');
    const path = join(directory(), 'nocrc.rdb');
    saveSync(session.keyspace, path, { compression: true, checksum: false, aux: AUX });
    expect(readFileSync(path).subarray(-8)).toEqual(Buffer.alloc(8));
    const loaded = new Keyspace();
    await loadInto(path, loaded, { limits: LIMITS, verifyChecksum: true, dropExpired: false, now: 0 });
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
    const result = await loadInto(path, loaded, { limits: LIMITS, verifyChecksum: true, dropExpired: true, now: 5000 });
    expect(result.keysExpired).toBe(1);
    expect(loaded.db(0).peek('old')).toBe(-1);
    expect(loaded.db(0).peek('new')).toBeGreaterThanOrEqual(0);
    writeFileSync(join(directory(), 'unused'), '');
  });
});
