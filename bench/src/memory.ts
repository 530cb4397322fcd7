import { readFileSync } from 'node:fs';
import { RawClient, type RunningServer, startRedis, startUnderstudy } from '@understudy/server/testing';
import { megabytes, printTable, ratio } from './table.js';

/** Resident set size of a process, from /proc. */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

/** Loads `count` keys of `size`-byte values with pipelined SETs in batches. */
async function load(port: number, count: number, size: number): Promise<void> {
  const client = await RawClient.connect(port);
  const value = 'x'.repeat(size);
  const batch = 10_000;
  for (let start = 0; start < count; start += batch) {
    let chunk = '';
    const end = Math.min(count, start + batch);
    for (let i = start; i < end; i++) {
      const key = `key:${String(i).padStart(12, '0')}`;
      chunk += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${size}\r\n${value}\r\n`;
    }
    client.write(chunk);
    for (let i = start; i < end; i++) await client.reply(60_000);
  }
  client.close();
}

/** Resident memory after loading the same keys into each server. */
export async function memory(options: { keys: number; valueSize: number }): Promise<boolean> {
  const results: [string, number, number][] = [];
  for (const [name, start] of [
    ['redis-server', () => startRedis()],
    ['understudy', () => startUnderstudy()],
  ] as const) {
    const server: RunningServer = await start();
    try {
      const empty = residentBytes(server.process.pid!);
      await load(server.port, options.keys, options.valueSize);
      // Let the allocator settle (V8 finishes sweeping; jemalloc purges) before reading RSS.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      results.push([name, empty, residentBytes(server.process.pid!)]);
    } finally {
      await server.stop();
    }
  }
  const [redis, ours] = results;
  console.log(`Resident memory after loading ${options.keys} keys with ${options.valueSize}-byte values`);
  printTable(
    ['server', 'RSS empty', 'RSS loaded', 'of redis-server'],
    results.map(([name, empty, loaded]) => [name, megabytes(empty), megabytes(loaded), ratio(loaded, redis[2])]),
  );
  const met = ours[2] <= redis[2] * 2;
  console.log(`target: understudy <= 2x redis-server: ${met ? 'met' : 'MISSED'}\n`);
  return met;
}
