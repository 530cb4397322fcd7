import { type IntervalHistogram, monitorEventLoopDelay, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import type { SnapshotProgress } from '@understudy/rdb';

/** What INFO and the log say about a snapshot: its cost beyond the dataset, and the stalls. */
export interface SnapshotFigures {
  peakBufferBytes: number;
  keysCapturedAhead: number;
  longestSliceUsec: number;
  /**
   * The longest slice less the GC pauses V8 reported inside it. V8 does not report its
   * incremental-marking steps, which run inside whatever JavaScript allocates, so they stay in.
   */
  longestSliceWithoutGcUsec: number;
  maxLoopDelayUsec: number;
  maxGcPauseUsec: number;
}

export const NO_SNAPSHOT_FIGURES: SnapshotFigures = {
  peakBufferBytes: 0,
  keysCapturedAhead: 0,
  longestSliceUsec: 0,
  longestSliceWithoutGcUsec: 0,
  maxLoopDelayUsec: 0,
  maxGcPauseUsec: 0,
};

/** GC pauses kept for the comparison, at most (a long snapshot sees a few per second). */
const MAX_GC_ENTRIES = 100_000;

/**
 * Watches the event loop while a snapshot runs: how late timers fire (any stall clients
 * would see) and the garbage collector's pauses, so that a stall can be told apart from the
 * walk's own slices.
 */
export class SnapshotWatch {
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private readonly pauses: { start: number; ms: number }[] = [];
  private longestPause = 0;
  private readonly observer = new PerformanceObserver((list) => this.record(list.getEntries()));

  constructor() {
    this.loopDelay.enable();
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Stops watching; figures stay available. */
  stop(): void {
    this.record(this.observer.takeRecords());
    this.observer.disconnect();
    this.loopDelay.disable();
  }

  figures(progress: SnapshotProgress): SnapshotFigures {
    this.record(this.observer.takeRecords());
    return {
      peakBufferBytes: progress.peakBufferBytes,
      keysCapturedAhead: progress.keysCapturedAhead,
      longestSliceUsec: Math.round(progress.longestSliceMs * 1000),
      longestSliceWithoutGcUsec: Math.round(this.longestWithoutGc(progress) * 1000),
      maxLoopDelayUsec: Math.round(this.loopDelay.max / 1000),
      maxGcPauseUsec: Math.round(this.longestPause * 1000),
    };
  }

  private record(entries: readonly PerformanceEntry[]): void {
    for (const entry of entries) {
      this.longestPause = Math.max(this.longestPause, entry.duration);
      if (this.pauses.length < MAX_GC_ENTRIES) this.pauses.push({ start: entry.startTime, ms: entry.duration });
    }
  }

  /**
   * Slices under 4 ms are not listed; they bound the result from below. Slices and pauses are
   * both in time order, so one pass over each finds the overlaps.
   */
  private longestWithoutGc(progress: SnapshotProgress): number {
    let longest = Math.min(progress.longestSliceMs, 4);
    const pauses = this.pauses;
    let first = 0;
    for (const slice of progress.longSlices) {
      const end = slice.start + slice.ms;
      while (first < pauses.length && pauses[first].start + pauses[first].ms <= slice.start) first++;
      let own = slice.ms;
      for (let i = first; i < pauses.length && pauses[i].start < end; i++) {
        const overlap = Math.min(end, pauses[i].start + pauses[i].ms) - Math.max(slice.start, pauses[i].start);
        if (overlap > 0) own -= overlap;
      }
      longest = Math.max(longest, own);
    }
    return longest;
  }
}
