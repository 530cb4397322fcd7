import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, startUnderstudy, type RunningServer } from './test-support/processes.js';
import { RawClient } from './test-support/raw-client.js';

/**
 * DEBUG DIGEST must produce redis-server 7.0's exact hex for the same data, whatever encoding
 * each value has (listpack/intset and hashtable/skiplist alike), and OBJECT ENCODING must name
 * the encoding redis-server chose.
 */
let redis: RunningServer;
let understudy: RunningServer;
let theirs: RawClient;
let ours: RawClient;

beforeAll(async () => {
  [redis, understudy] = await Promise.all([startRedis(), startUnderstudy()]);
  [theirs, ours] = await Promise.all([RawClient.connect(redis.port), RawClient.connect(understudy.port)]);
}, 30_000);

afterAll(async () => {
  theirs?.close();
  ours?.close();
  await Promise.all([redis?.stop(), understudy?.stop()]);
});

async function both(...argv: string[]): Promise<[string, string]> {
  return Promise.all([theirs.call(...argv), ours.call(...argv)]);
}

/** A deterministic binary-ish string. */
function bytes(seed: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode((seed * 31 + i * 17) % 256);
  return out;
}

/** Commands building one key of every type, each small and large. */
function dataset(scale: number): string[][] {
  const commands: string[][] = [];
  for (let db = 0; db < 3; db++) {
    commands.push(['SELECT', String(db)]);
    for (let n = 0; n < 20; n++) {
      const size = n % 2 === 0 ? 3 : scale;
      commands.push(['SET', `str:${n}`, n % 3 === 0 ? String(n * 1000) : bytes(n, n * 7)]);
      if (n % 4 === 0) commands.push(['PEXPIREAT', `str:${n}`, '4102444800000']);
      commands.push(['RPUSH', `list:${n}`, ...Array.from({ length: size }, (_, i) => bytes(n + i, i % 50))]);
      commands.push(['SADD', `ints:${n}`, ...Array.from({ length: size }, (_, i) => String(i * (n + 1) - 50))]);
      commands.push(['SADD', `set:${n}`, ...Array.from({ length: size }, (_, i) => bytes(n * i, 1 + (i % 9)))]);
      commands.push(['HSET', `hash:${n}`, ...Array.from({ length: size }, (_, i) => [`f${i}`, bytes(i, i % 70)]).flat()]);
      commands.push(['ZADD', `zset:${n}`, ...Array.from({ length: size }, (_, i) => [String(i % 7 === 0 ? 0.1 * i : i * 1.5 - 20), bytes(n + 2 * i, 2 + (i % 5))]).flat()]);
    }
  }
  commands.push(['SELECT', '0']);
  return commands;
}

async function load(commands: string[][]): Promise<void> {
  for (const argv of commands) {
    const [a, b] = await both(...argv);
    expect(b).toBe(a);
  }
}

async function compareAll(): Promise<void> {
  const [digestA, digestB] = await both('DEBUG', 'DIGEST');
  expect(digestB).toBe(digestA);
  expect(digestA).not.toBe('+0000000000000000000000000000000000000000\r\n');
  for (let db = 0; db < 3; db++) {
    await both('SELECT', String(db));
    for (let n = 0; n < 20; n++) {
      for (const prefix of ['str', 'list', 'ints', 'set', 'hash', 'zset']) {
        const key = `${prefix}:${n}`;
        const [valueA, valueB] = await both('DEBUG', 'DIGEST-VALUE', key);
        expect(valueB, key).toBe(valueA);
        const [encodingA, encodingB] = await both('OBJECT', 'ENCODING', key);
        expect(encodingB, key).toBe(encodingA);
      }
    }
  }
  await both('SELECT', '0');
}

describe('DEBUG DIGEST interoperability with redis-server 7.0', () => {
  it('matches with the default encoding thresholds (small and large values)', async () => {
    await both('FLUSHALL');
    await load(dataset(700));
    await compareAll();
  }, 120_000);

  it('matches with small thresholds that force the large encodings early', async () => {
    await both('FLUSHALL');
    for (const [name, value] of [
      ['hash-max-listpack-entries', '2'],
      ['hash-max-listpack-value', '4'],
      ['set-max-intset-entries', '2'],
      ['zset-max-listpack-entries', '2'],
      ['zset-max-listpack-value', '3'],
    ]) {
      const [a, b] = await both('CONFIG', 'SET', name, value);
      expect(b).toBe(a);
    }
    await load(dataset(40));
    await compareAll();
  }, 120_000);
});
