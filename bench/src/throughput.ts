import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RunningServer, startRedis, startUnderstudy } from '@understudy/server/testing';
import { median, printTable, ratio } from './table.js';

const run = promisify(execFile);

const TESTS = 'set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100,mset';
/** Names redis-benchmark prints in --csv mode, in the order we report them. */
const REPORTED = ['SET', 'GET', 'INCR', 'LPUSH', 'RPOP', 'SADD', 'HSET', 'ZADD', 'LRANGE_100 (first 100 elements)', 'MSET (10 keys)'];
const TARGETS: Record<number, number> = { 1: 0.7, 32: 0.35 };

/** One redis-benchmark run: requests per second by test name. */
async function benchmark(port: number, pipeline: number, requests: number): Promise<Map<string, number>> {
  const { stdout } = await run(
    'redis-benchmark',
    ['-p', String(port), '-t', TESTS, '-c', '50', '-n', String(requests), '-P', String(pipeline), '--csv'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const results = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const cells = line.split('","').map((cell) => cell.replace(/"/g, ''));
    if (cells.length >= 2 && cells[0] !== 'test') results.set(cells[0], Number(cells[1]));
  }
  return results;
}

/**
 * redis-benchmark against redis-server and Understudy with the same arguments; each suite runs
 * `rounds` times, alternating servers so that machine noise hits both alike, and the median
 * per command is reported.
 */
export async function throughput(options: { requests: number; rounds: number }): Promise<boolean> {
  let met = true;
  for (const pipeline of [1, 32]) {
    const servers: [string, RunningServer][] = [];
    try {
      servers.push(['redis', await startRedis()], ['understudy', await startUnderstudy()]);
      const samples = new Map<string, Map<string, number[]>>();
      for (let round = 0; round < options.rounds; round++) {
        for (const [name, server] of round % 2 === 0 ? servers : [...servers].reverse()) {
          const results = await benchmark(server.port, pipeline, options.requests);
          const byTest = samples.get(name) ?? new Map<string, number[]>();
          for (const [test, rps] of results) byTest.set(test, [...(byTest.get(test) ?? []), rps]);
          samples.set(name, byTest);
        }
      }
      console.log(`redis-benchmark -t ${TESTS} -c 50 -n ${options.requests} -P ${pipeline} (median of ${options.rounds} runs each)`);
      const rows = REPORTED.map((test) => {
        const theirs = median(samples.get('redis')?.get(test) ?? [0]);
        const ours = median(samples.get('understudy')?.get(test) ?? [0]);
        const ok = ours >= theirs * TARGETS[pipeline];
        if (!ok) met = false;
        return [test, theirs.toFixed(0), ours.toFixed(0), ratio(ours, theirs), `${TARGETS[pipeline] * 100}%`, ok ? 'met' : 'MISSED'];
      });
      printTable(['command', 'redis-server rps', 'understudy rps', 'ratio', 'target', ''], rows);
    } finally {
      await Promise.all(servers.map(([, server]) => server.stop()));
    }
  }
  return met;
}
