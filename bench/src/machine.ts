import { fork } from 'node:child_process';
import { availableParallelism, freemem } from 'node:os';
import { printTable } from './table.js';
import type { TouchResult } from './random-touch.js';

/**
 * What stalls the machine itself gives, with no server: processes that only touch memory at
 * random (random-touch.ts), with a small working set and with the snapshot benchmark's, alone
 * and side by side on the machine's cores. The snapshot benchmark's stall target is 10 ms; a
 * machine where a loop of a few microseconds already goes unrun for longer than that, with the
 * dataset's working set and the load beside it, cannot show whether a server meets it.
 *
 * Seen on a 2-vCPU VM under a PVM hypervisor (README, Benchmarks): 1.6 GB touched alone, worst
 * gap 9.4 ms; three such processes on the two vCPUs, 54-104 ms; three of 16 MB, 49-69 ms.
 * BENCH_MACHINE_MB sets the large working set (default 1600, the snapshot benchmark's RSS),
 * BENCH_MACHINE_SECONDS each scenario's length (default 10).
 */

const SMALL_MB = 16;
const HEADROOM = 0.8;

interface Scenario {
  name: string;
  /** Working set of each process, in MB. */
  processes: number[];
}

interface Measured {
  megabytes: number;
  result: TouchResult;
}

async function runTogether(processes: readonly number[], seconds: number): Promise<Measured[]> {
  const script = new URL('./random-touch.js', import.meta.url);
  const children = processes.map((megabytes) => fork(script, [String(megabytes)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const exited = children.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
  try {
    // Filling the buffers faults their pages in, which takes seconds at this size: only once
    // every process has its working set do they start, so that their measurements overlap.
    await Promise.all(children.map((child) => nextMessage(child)));
    const results = children.map((child) => nextMessage(child) as Promise<TouchResult>);
    for (const child of children) child.send({ run: seconds * 1000 });
    return (await Promise.all(results)).map((result, i) => ({ megabytes: processes[i], result }));
  } finally {
    // A process of gigabytes takes a while to unmap its memory: the next scenario must not
    // start beside that.
    for (const child of children) child.kill();
    await Promise.all(exited);
  }
}

function nextMessage(child: ReturnType<typeof fork>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`random-touch exited with ${code} before it answered`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

export async function machine(): Promise<void> {
  const cores = availableParallelism();
  const large = Number(process.env.BENCH_MACHINE_MB ?? 1600);
  const seconds = Number(process.env.BENCH_MACHINE_SECONDS ?? 10);
  const scenarios: Scenario[] = [
    { name: 'small, alone', processes: [SMALL_MB] },
    { name: 'large, alone', processes: [large] },
    { name: `small, ${cores + 1} on ${cores} cores`, processes: Array<number>(cores + 1).fill(SMALL_MB) },
    { name: `large, ${cores} on ${cores} cores`, processes: Array<number>(cores).fill(large) },
    { name: `large beside ${cores} small`, processes: [large, ...Array<number>(cores).fill(SMALL_MB)] },
    { name: `large, ${cores + 1} on ${cores} cores`, processes: Array<number>(cores + 1).fill(large) },
  ];
  console.log(`\n## Machine: random memory touches, no server (${cores} cores, ${seconds} s a scenario)\n`);
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const needed = scenario.processes.reduce((sum, megabytes) => sum + megabytes, 0) * 1024 * 1024;
    if (needed > freemem() * HEADROOM) {
      rows.push([scenario.name, '-', `skipped: needs ${Math.round(needed / 1024 / 1024)} MB free`, '', '']);
      continue;
    }
    const measured = await runTogether(scenario.processes, seconds);
    for (const megabytes of new Set(scenario.processes)) {
      const same = measured.filter((entry) => entry.megabytes === megabytes).map((entry) => entry.result);
      rows.push([
        scenario.name,
        `${same.length} x ${megabytes} MB`,
        same.map((result) => `${result.worstGapMs.toFixed(1)} ms`).join(', '),
        same.map((result) => String(result.gapsOver10Ms)).join(', '),
        same.map((result) => `${(result.touchesPerSecond / 1e6).toFixed(0)}M`).join(', '),
      ]);
    }
  }
  printTable(['scenario', 'processes', 'worst gap in the loop', 'gaps over 10 ms', 'touches/s'], rows);
}
