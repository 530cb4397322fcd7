import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, datasetDigest, Keyspace } from '@understudy/engine';
import { EngineSession } from '@understudy/engine/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc64 } from './crc64.js';
import { Opcode, QuicklistContainer, RdbType, writeFileHeader } from './format.js';
import { encodeListpack } from './listpack.js';
import { loadFile } from './load.js';
import { RdbError } from './rdb-error.js';
import { saveSync } from './save.js';
import { FileSink } from './sinks.js';
import { Snapshot } from './snapshot.js';
import { parseFile, TEST_LIMITS } from './test-support.js';
import { RdbWriter } from './writer.js';

const AUX = [['redis-ver', '7.0.15'], ['redis-bits', '64'], ['ctime', '1700000000'], ['used-mem', '1000000'], ['aof-base', '0']] as const;
const LOAD = { limits: TEST_LIMITS, verifyChecksum: true, dropExpired: false, now: 0 };

function directory(): string {
  return mkdtempSync(join(tmpdir(), 'understudy-packed-'));
}

function keyspace(): Keyspace {
  const created = new Keyspace();
  Object.assign(created.limits, TEST_LIMITS);
  return created;
}

/** Loads a file as a server does at startup: fresh databases, collections left packed. */
async function load(path: string): Promise<Keyspace> {
  const loaded = keyspace();
  const databases = loaded.createDatabases();
  await loadFile(path, databases, LOAD);
  loaded.installDatabases(databases);
  return loaded;
}

/** Slots whose values are still packed, by key. */
function packedKeys(db: Database): string[] {
  const out: string[] = [];
  for (let slot = 0; slot < db.size; slot++) if (db.packedFormat(slot) !== null) out.push(db.key(slot));
  return out.sort();
}

/** A whole file in database 0 from hand-written records, with its checksum. */
function craftedFile(records: (writer: RdbWriter) => void): Buffer {
  const writer = new RdbWriter(false);
  writeFileHeader(writer, AUX);
  writer.byte(Opcode.selectDb);
  writer.length(0);
  records(writer);
  writer.byte(Opcode.eof);
  const body = Buffer.concat(writer.take());
  return Buffer.concat([body, new Crc64().update(body).digest()]);
}

/**
 * A listpack of `entries`, each encoded as Redis would or, where `asText` says so, as a string
 * even if it is an integer's text, which Redis never writes: "5" as text then equals an
 * integer entry 5. Entries are under 64 bytes.
 */
function listpackOf(entries: readonly string[], asText: readonly boolean[]): Buffer {
  const body = Buffer.concat(
    entries.map((entry, i) => {
      if (!asText[i % asText.length]) {
        const single = encodeListpack([entry]);
        return single.subarray(6, single.length - 1);
      }
      const text = Buffer.from(entry, 'latin1');
      return Buffer.concat([Buffer.of(0x80 | text.length), text, Buffer.of(1 + text.length)]);
    }),
  );
  const out = Buffer.alloc(6 + body.length + 1);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(entries.length, 4);
  body.copy(out, 6);
  out[out.length - 1] = 0xff;
  return out;
}

function header(writer: RdbWriter, type: number, key: string): void {
  writer.byte(type);
  writer.string(key);
}

/** What loading a file does: the keyspace's digest, or the error it was refused with. */
async function outcome(file: Buffer, dir: string): Promise<string> {
  const path = join(dir, 'crafted.rdb');
  writeFileSync(path, file);
  try {
    const loaded = await load(path);
    return `${datasetDigest(loaded)} ${shape(loaded)}`;
  } catch (error) {
    if (error instanceof RdbError) return `refused: ${error.message}`;
    throw error;
  }
}

/** The same file parsed with every value decoded at once (the parser without packing). */
function eagerOutcome(file: Buffer): string {
  try {
    const parsed = parseFile(file);
    Object.assign(parsed.limits, TEST_LIMITS);
    return `${datasetDigest(parsed)} ${shape(parsed)}`;
  } catch (error) {
    if (error instanceof RdbError) return `refused: ${error.message}`;
    throw error;
  }
}

function shape(loaded: Keyspace): string {
  const db = loaded.db(0);
  const out: string[] = [];
  for (let slot = 0; slot < db.size; slot++) out.push(`${db.key(slot)}=${db.encoding(slot)}`);
  return out.sort().join(',');
}

function sampleSession(): EngineSession {
  const session = new EngineSession();
  Object.assign(session.keyspace.limits, TEST_LIMITS);
  session.run('HSET', 'hash', ...Array.from({ length: 20 }, (_, i) => [`field:${i}`, `value:${i * 7}`]).flat());
  session.run('RPUSH', 'list', ...Array.from({ length: 30 }, (_, i) => `item:${i}`));
  session.run('ZADD', 'zset', ...Array.from({ length: 20 }, (_, i) => [String(i * 1.25), `member:${i}`]).flat());
  // More members than set-max-intset-entries allows... as strings: a hash-table set, RDB type 2.
  session.run('SADD', 'set', ...Array.from({ length: 25 }, (_, i) => `member:${i}`));
  session.run('SET', 'string', 'x'.repeat(100));
  return session;
}

describe('collections loaded from a file stay packed until first used', () => {
  it('keeps the file bytes, answers TYPE and SCAN TYPE from them, decodes on first use', async () => {
    const dir = directory();
    const session = sampleSession();
    const path = join(dir, 'dump.rdb');
    saveSync(session.keyspace, path, { compression: true, checksum: true, aux: AUX });
    const loaded = await load(path);
    const db = loaded.db(0);
    expect(packedKeys(db)).toEqual(['hash', 'list', 'set', 'zset']);

    const client = new EngineSession(loaded);
    expect(['hash', 'list', 'set', 'zset', 'string'].map((key) => client.run('TYPE', key))).toEqual(['hash', 'list', 'set', 'zset', 'string']);
    expect(client.run('SCAN', '0', 'TYPE', 'zset')).toEqual(['0', ['zset']]);
    expect(packedKeys(db)).toEqual(['hash', 'list', 'set', 'zset']);

    const slabBefore = db.slabUsedBytes;
    expect(client.run('HGET', 'hash', 'field:3')).toBe('value:21');
    expect(client.run('OBJECT', 'ENCODING', 'zset')).toBe('listpack');
    expect(packedKeys(db)).toEqual(['list', 'set']);
    // The decoded values' cells are freed.
    expect(db.slabUsedBytes).toBeLessThan(slabBefore);
    expect(datasetDigest(loaded)).toBe(datasetDigest(session.keyspace));
    expect(packedKeys(db)).toEqual([]);
  });

  it('SAVE and the forkless snapshot write packed values back byte for byte, and redis-check-rdb accepts the file', async () => {
    const dir = directory();
    const session = sampleSession();
    const path = join(dir, 'dump.rdb');
    saveSync(session.keyspace, path, { compression: true, checksum: true, aux: AUX });
    const original = readFileSync(path);

    const saved = join(dir, 'saved.rdb');
    saveSync(await load(path), saved, { compression: true, checksum: true, aux: AUX });
    expect(readFileSync(saved).equals(original)).toBe(true);

    // The walk goes through the keys in its own order: the same bytes as a walk of the original.
    const options = { compression: true, checksum: true, aux: AUX };
    await new Snapshot(session.keyspace, [new FileSink(join(dir, 'walked.rdb'))], options).run();
    const walkedOriginal = readFileSync(join(dir, 'walked.rdb'));
    for (const offload of [false, true]) {
      const walked = join(dir, `walked-${offload}.rdb`);
      await new Snapshot(await load(path), [new FileSink(walked)], { ...options, offload }).run();
      expect(readFileSync(walked).equals(walkedOriginal)).toBe(true);
    }
    const check = spawnSync('redis-check-rdb', [saved], { encoding: 'utf8' });
    expect(check.stdout).toContain('RDB looks OK!');
  });

  it('a snapshot running while packed values change still writes them as they were at its start', async () => {
    const dir = directory();
    const session = new EngineSession();
    Object.assign(session.keyspace.limits, TEST_LIMITS);
    for (let i = 0; i < 400; i++) {
      session.run('HSET', `hash:${i}`, ...Array.from({ length: 12 }, (_, j) => [`field:${j}`, `value:${i}:${j}`]).flat());
      session.run('RPUSH', `list:${i}`, ...Array.from({ length: 12 }, (_, j) => `item:${i}:${j}`));
    }
    const path = join(dir, 'dump.rdb');
    saveSync(session.keyspace, path, { compression: true, checksum: true, aux: AUX });
    const loaded = await load(path);
    expect(packedKeys(loaded.db(0))).toHaveLength(800);
    const before = datasetDigest(session.keyspace);

    const walked = join(dir, 'walked.rdb');
    const snapshot = new Snapshot(loaded, [new FileSink(walked)], { compression: true, checksum: true, aux: AUX, keyDelayMicros: 20 });
    const done = snapshot.run();
    const client = new EngineSession(loaded);
    // Changes while the walk goes on, to keys it has yet to reach and to keys it is past: each
    // decodes a packed value; the ones ahead of the walk are captured first.
    for (let i = 0; i < 400; i += 3) {
      client.run('HSET', `hash:${i}`, 'field:0', 'changed');
      client.run('LPOP', `list:${i}`);
      client.run('DEL', `hash:${i + 1}`);
      await new Promise(setImmediate);
    }
    await done;
    expect(datasetDigest(parseFile(readFileSync(walked)))).toBe(before);
    expect(datasetDigest(loaded)).not.toBe(before);
  });
});

describe('a packed value is checked as the decoder checks it', () => {
  const member = (i: number): string => `member-with-a-long-enough-name:${i % 7}`;

  it('refuses the same corrupt collections with the same errors as decoding at once', async () => {
    const dir = directory();
    const corrupt: [string, (writer: RdbWriter) => void][] = [
      [
        'duplicate set members',
        (writer) => {
          header(writer, RdbType.set, 's');
          writer.length(8);
          for (let i = 0; i < 8; i++) writer.string(member(i));
        },
      ],
      [
        'duplicate hash fields',
        (writer) => {
          header(writer, RdbType.hashListpack, 'h');
          writer.blob(encodeListpack(Array.from({ length: 8 }, (_, i) => [member(i), 'v']).flat()));
        },
      ],
      [
        'a hash field as text equal to another as an integer',
        (writer) => {
          header(writer, RdbType.hashListpack, 'h');
          writer.blob(listpackOf(['5', 'a-long-value-to-fill-the-payload', '5', 'another-long-value-to-fill-it'], [true, false, false, false]));
        },
      ],
      [
        'a set member as text equal to another as an integer',
        (writer) => {
          header(writer, RdbType.set, 's');
          writer.length(3);
          writer.blob(Buffer.from('12', 'latin1'));
          writer.string('a-member-long-enough-to-fill-the-payload-of-the-set-past-64-bytes');
          writer.string('12');
        },
      ],
      [
        'a sorted-set score that is not a number',
        (writer) => {
          header(writer, RdbType.zsetListpack, 'z');
          writer.blob(encodeListpack(['a-long-member-name-to-fill-the-payload', '1.5', 'another-long-member-name-for-it', 'nan']));
        },
      ],
      [
        'an odd listpack',
        (writer) => {
          header(writer, RdbType.hashListpack, 'h');
          writer.blob(encodeListpack(['a-long-field-name-to-fill-the-payload', 'a-long-value-to-fill-the-payload-too', 'odd']));
        },
      ],
      [
        'a broken backlen',
        (writer) => {
          header(writer, RdbType.listQuicklist2, 'l');
          writer.length(1);
          writer.length(QuicklistContainer.packed);
          const listpack = encodeListpack(Array.from({ length: 10 }, (_, i) => `element-${i}`));
          listpack[listpack.length - 2] ^= 0x01;
          writer.blob(listpack);
        },
      ],
      [
        'an unknown quicklist container',
        (writer) => {
          header(writer, RdbType.listQuicklist2, 'l');
          writer.length(1);
          writer.length(3);
          writer.blob(encodeListpack(Array.from({ length: 10 }, (_, i) => `element-${i}`)));
        },
      ],
    ];
    for (const [what, records] of corrupt) {
      const file = craftedFile(records);
      const expected = eagerOutcome(file);
      expect(expected, what).toMatch(/^refused: /);
      expect(await outcome(file, dir), what).toBe(expected);
    }
  });

  /** Text a member or score may be: some equal as numbers, or to integers a listpack stores as such. */
  const tricky = fc.oneof(
    fc.constantFrom('1', '01', '-1', '-0', '0', '1.5', '.5', '5.', '1e3', '1E+3', 'inf', '-INF', '+infinity', 'nan', '', ' 1', '0x10', '9223372036854775807', '9223372036854775808', '-'),
    fc.integer({ min: -5000, max: 5000 }).map(String),
    fc.string({ maxLength: 6 }),
    fc.string({ minLength: 21, maxLength: 60 }),
  );

  it('any collection loads packed exactly as decoded at once, or is refused with the same error (property)', async () => {
    const dir = directory();
    // Mostly as Redis writes entries; sometimes integers as text.
    const asText = fc.oneof(fc.constant([false]), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }));
    const collection = fc.oneof(
      fc.array(tricky, { minLength: 0, maxLength: 40 }).map((members) => (writer: RdbWriter, key: string) => {
        header(writer, RdbType.set, key);
        writer.length(members.length);
        for (const m of members) writer.string(m);
      }),
      fc.tuple(fc.array(tricky, { minLength: 0, maxLength: 40 }), asText).map(([entries, text]) => (writer: RdbWriter, key: string) => {
        header(writer, RdbType.hashListpack, key);
        writer.blob(listpackOf(entries, text));
      }),
      fc.tuple(fc.array(fc.tuple(tricky, tricky), { maxLength: 20 }), asText).map(([pairs, text]) => (writer: RdbWriter, key: string) => {
        header(writer, RdbType.zsetListpack, key);
        writer.blob(listpackOf(pairs.flat(), text));
      }),
      fc.tuple(fc.array(fc.array(tricky, { maxLength: 15 }), { maxLength: 4 }), asText).map(([nodes, text]) => (writer: RdbWriter, key: string) => {
        header(writer, RdbType.listQuicklist2, key);
        writer.length(nodes.length);
        for (const node of nodes) {
          writer.length(node.length === 1 ? QuicklistContainer.plain : QuicklistContainer.packed);
          if (node.length === 1) writer.string(node[0]);
          else writer.blob(listpackOf(node, text));
        }
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(collection, { minLength: 1, maxLength: 4 }), async (records) => {
        const file = craftedFile((writer) => records.forEach((write, i) => write(writer, `key:${i}`)));
        expect(await outcome(file, dir)).toBe(eagerOutcome(file));
      }),
      { numRuns: 400 },
    );
  });
});
