import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyspace, HashValue, ListValue, SetValue, ZSetValue } from '@understudy/engine';
import { saveSync } from '@understudy/rdb';
import { beforeAll, describe, expect, it } from 'vitest';

/** The built executable, run as an operator would run it. */
const CLI = fileURLToPath(new URL('../bin/understudy.js', import.meta.url));

function understudy(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'latin1' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
let good: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'understudy-cli-'));
  const keyspace = new Keyspace();
  const db = keyspace.db(0);
  db.add('s', 'hello');
  db.add('n', '12345', 4102444800000);
  db.add('l', ListValue.of(['a', 'b', '1']));
  const hash = new HashValue();
  hash.set('f', 'v');
  db.add('h', hash);
  const set = new SetValue();
  set.add('1', 512);
  set.add('2', 512);
  db.add('si', set);
  const zset = new ZSetValue();
  zset.set('a', 1.5);
  keyspace.db(3).add('z', zset);
  saveSync(keyspace, join(dir, 'good.rdb'), { compression: true, checksum: true, aux: [['redis-ver', '7.0.15']] });
  good = readFileSync(join(dir, 'good.rdb'));
});

describe('understudy check-rdb', () => {
  it('reports keys per type, encodings and databases of a valid file, exiting 0', () => {
    const result = understudy('check-rdb', join(dir, 'good.rdb'));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("AUX FIELD redis-ver = '7.0.15'");
    expect(result.stdout).toContain('Selecting DB ID 0');
    expect(result.stdout).toContain('Selecting DB ID 3');
    expect(result.stdout).toContain('Checksum OK');
    expect(result.stdout).toContain('RDB looks OK');
    expect(result.stdout).toContain('[info] 6 keys read');
    expect(result.stdout).toContain('[info] 1 expires');
    expect(result.stdout).toContain('keys by type: hash 1, list 1, set 1, string 2, zset 1');
    expect(result.stdout).toContain('encodings: hash-listpack 1, quicklist-v2 1, set-intset 1, string 2, zset-listpack 1');
  });

  it('names the first error and its byte offset for a truncated file, exiting 1', () => {
    const path = join(dir, 'truncated.rdb');
    writeFileSync(path, good.subarray(0, good.length - 20));
    const result = understudy('check-rdb', path);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('--- RDB ERROR DETECTED ---');
    expect(result.stdout).toMatch(new RegExp(`\\[offset ${good.length - 20}\\] Unexpected EOF reading RDB file`));
  });

  it('reports a checksum mismatch at the trailer offset', () => {
    const path = join(dir, 'crc.rdb');
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1] ^= 0xff;
    writeFileSync(path, corrupt);
    const result = understudy('check-rdb', path);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`\\[offset ${good.length - 8}\\] Wrong RDB checksum expected: \\([0-9a-f]{16}\\) but got`));
  });

  it('names the key and type being read when a value is corrupt', () => {
    const path = join(dir, 'listpack.rdb');
    const corrupt = Buffer.from(good);
    // The hash's listpack: type 16, key "h", blob length, then the 4-byte total size.
    const at = corrupt.indexOf(Buffer.from([0x10, 0x01, 0x68]));
    corrupt[at + 4] ^= 0x01;
    writeFileSync(path, corrupt);
    const result = understudy('check-rdb', path);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("[additional info] Reading key 'h'");
    expect(result.stdout).toContain('[additional info] Reading type 16 (hash-listpack)');
    expect(result.stdout).toMatch(new RegExp(`\\[offset ${at}\\] listpack size mismatch`));
  });

  it('fails clearly for a missing file and for wrong usage', () => {
    const missing = understudy('check-rdb', join(dir, 'nope.rdb'));
    expect(missing.status).toBe(1);
    expect(missing.stdout).toMatch(/Cannot read the file: ENOENT/);
    expect(understudy('check-rdb').status).toBe(1);
    const unknown = understudy('frobnicate');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('agrees with redis-check-rdb on our file', () => {
    const real = spawnSync('redis-check-rdb', [join(dir, 'good.rdb')], { encoding: 'latin1' });
    expect(real.status).toBe(0);
    expect(real.stdout).toContain('[info] 6 keys read');
  });
});
