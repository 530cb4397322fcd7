import { EntryLog, type FrozenZSet } from './frozen.js';
import { ScoreIndex } from './score-index.js';

/**
 * A Redis sorted set: members with their scores in dense arrays (O(1) ZSCORE through the
 * position map, stable positions for ZSCAN cursors), plus the ordered index for ranks and
 * ranges. `isListpack` tracks the encoding redis-server would use, which shows in OBJECT
 * ENCODING and in ZSCAN answering a small set in one call.
 */
export class ZSetValue {
  readonly order = new ScoreIndex();
  isListpack = true;
  private readonly positions = new Map<string, number>();
  private readonly members: string[] = [];
  private readonly scores: number[] = [];
  /** Old entries kept for a snapshot's view (freeze), or null. */
  private frozen: EntryLog<string, number> | null = null;

  get size(): number {
    return this.members.length;
  }

  score(member: string): number | undefined {
    const at = this.positions.get(member);
    return at === undefined ? undefined : this.scores[at];
  }

  /** Sets a member's score; true when the member is new. */
  set(member: string, score: number): boolean {
    // A listpack stores integral scores as integers, so -0 becomes 0 there (not in a skiplist).
    if (this.isListpack && score === 0) score = 0;
    const at = this.positions.get(member);
    if (at !== undefined) {
      const old = this.scores[at];
      if (old !== score) {
        this.order.delete(old, member);
        this.order.insert(score, member);
        this.frozen?.second.save(at);
        this.scores[at] = score;
      }
      return false;
    }
    this.positions.set(member, this.members.length);
    this.members.push(member);
    this.scores.push(score);
    this.order.insert(score, member);
    return true;
  }

  delete(member: string): boolean {
    const at = this.positions.get(member);
    if (at === undefined) return false;
    this.order.delete(this.scores[at], member);
    this.positions.delete(member);
    const last = this.members.length - 1;
    this.frozen?.save(at);
    this.frozen?.save(last);
    if (at !== last) {
      const moved = this.members[last];
      this.members[at] = moved;
      this.scores[at] = this.scores[last];
      this.positions.set(moved, at);
    }
    this.members.pop();
    this.scores.pop();
    return true;
  }

  /** 0-based rank in ascending order, or -1. */
  rank(member: string): number {
    const score = this.score(member);
    return score === undefined ? -1 : this.order.rank(score, member);
  }

  /** Member at a dense position (ZSCAN), not a rank. */
  memberAt(position: number): string {
    return this.members[position];
  }

  scoreAt(position: number): number {
    return this.scores[position];
  }

  /** The encoding a set built in one go gets (a loaded key, ZUNIONSTORE's result...). */
  settleEncoding(limits: { readonly zsetMaxListpackEntries: number; readonly zsetMaxListpackValue: number }): void {
    let longest = 0;
    for (let i = 0; i < this.members.length; i++) longest = Math.max(longest, this.members[i].length);
    if (this.size <= limits.zsetMaxListpackEntries && longest <= limits.zsetMaxListpackValue) this.useListpack();
    else this.isListpack = false;
  }

  /** Takes the listpack encoding: scores of -0 become 0, as Redis's conversion writes them. */
  useListpack(): void {
    this.isListpack = true;
    for (let i = 0; i < this.scores.length; i++) {
      if (Object.is(this.scores[i], -0)) {
        this.order.delete(-0, this.members[i]);
        this.frozen?.second.save(i);
        this.scores[i] = 0;
        this.order.insert(0, this.members[i]);
      }
    }
  }

  /**
   * The sorted set as it is now, by position (memberAt/scoreAt), for a snapshot that writes it
   * while clients change it (frozen.ts).
   */
  freeze(): FrozenZSet {
    const frozen = new EntryLog(this.members, this.scores);
    this.frozen = frozen;
    return {
      size: frozen.length,
      get savedElements() {
        return frozen.savedCount;
      },
      memberAt: (position) => frozen.first.at(position),
      scoreAt: (position) => frozen.second.at(position),
      release: () => {
        if (this.frozen === frozen) this.frozen = null;
      },
    };
  }

  clone(): ZSetValue {
    const copy = new ZSetValue();
    copy.isListpack = this.isListpack;
    for (let i = 0; i < this.members.length; i++) copy.set(this.members[i], this.scores[i]);
    return copy;
  }
}
