import { capture } from './capture.js';
import { hooks } from './hooks.js';
import { machine } from './machine.js';
import { memory } from './memory.js';
import { parser } from './parser.js';
import { snapshot } from './snapshot.js';
import { throughput } from './throughput.js';

/**
 * npm run bench [throughput|memory|parser|hooks|snapshot|capture|machine]: figures and ratios against redis-server
 * measured in the same run. Targets are reported, not asserted: a miss is a finding to profile.
 */
async function main(which: string | undefined): Promise<void> {
  const all = which === undefined;
  const requests = Number(process.env.BENCH_REQUESTS ?? 200_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  if (all || which === 'parser') parser();
  if (all || which === 'hooks') hooks();
  if (all || which === 'throughput') await throughput({ requests, rounds });
  if (all || which === 'memory') await memory({ keys: Number(process.env.BENCH_KEYS ?? 1_000_000), valueSize: 100 });
  if (all || which === 'capture') await capture();
  if (all || which === 'machine') await machine();
  if (all || which === 'snapshot') await snapshot({ keys: Number(process.env.BENCH_SNAPSHOT_KEYS ?? 1_000_000) });
}

await main(process.argv[2]);
