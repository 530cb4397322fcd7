import type { CommandSpec } from '@understudy/engine';
import type { Client } from './client.js';

/** Per-command counters behind INFO commandstats. */
export interface CommandStats {
  calls: number;
  rejectedCalls: number;
  failedCalls: number;
  /** Calls whose duration was measured, and their total time in microseconds. */
  timedCalls: number;
  timedUsec: number;
}

/**
 * Commands flagged fast (O(1), microseconds) are timed one call in FAST_TIMING_SAMPLE: reading
 * the clock costs as much as running them. commandstats extrapolates their usec.
 */
export const FAST_TIMING_SAMPLE = 16;

/** Total microseconds of a command, extrapolated from its timed calls. */
export function commandUsec(stats: CommandStats): number {
  return stats.timedCalls === 0 ? 0 : Math.round((stats.timedUsec * stats.calls) / stats.timedCalls);
}

/** Server-wide counters behind INFO stats, errorstats and commandstats. */
export class ServerStats {
  connectionsReceived = 0;
  rejectedConnections = 0;
  commandsProcessed = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  readsProcessed = 0;
  writesProcessed = 0;
  /** Error replies by their code. */
  readonly errors = new Map<string, number>();
  readonly commands = new Map<CommandSpec<Client>, CommandStats>();
  /** instantaneous_ops_per_sec: the mean of the last samples, as Redis computes it. */
  opsPerSecond = 0;
  private readonly opsSamples: number[] = [];
  private lastSample: { at: number; processed: number } | null = null;

  command(spec: CommandSpec<Client>): CommandStats {
    let stats = this.commands.get(spec);
    if (stats === undefined) {
      stats = { calls: 0, rejectedCalls: 0, failedCalls: 0, timedCalls: 0, timedUsec: 0 };
      this.commands.set(spec, stats);
    }
    return stats;
  }

  countError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Takes one throughput sample; called about every 100 ms. */
  sampleOps(now: number): void {
    if (this.lastSample !== null && now > this.lastSample.at) {
      this.opsSamples.push(((this.commandsProcessed - this.lastSample.processed) * 1000) / (now - this.lastSample.at));
      if (this.opsSamples.length > 16) this.opsSamples.shift();
      this.opsPerSecond = Math.round(this.opsSamples.reduce((a, b) => a + b, 0) / this.opsSamples.length);
    }
    this.lastSample = { at: now, processed: this.commandsProcessed };
  }

  /** CONFIG RESETSTAT. */
  reset(): void {
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.commandsProcessed = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.readsProcessed = 0;
    this.writesProcessed = 0;
    this.errors.clear();
    this.commands.clear();
  }
}
