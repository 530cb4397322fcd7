/**
 * Point-in-time views of collections that go on changing. A snapshot that must write a large
 * value as it is now, while clients change it before the walk is done, freezes it instead of
 * copying its arrays: the value keeps working on its arrays and, until the view is released,
 * saves the old element of each position before it first overwrites or drops it. A change
 * costs one map entry at most, whatever the value's size; a copy cost a pointer per element
 * in one event-loop turn (tens of milliseconds at a million elements).
 *
 * One view per value at a time: a value belongs to one key, and one snapshot runs at a time.
 */
export interface FrozenView {
  /** Elements as they were when the view was taken. */
  readonly size: number;
  /** Old elements saved so far (memory the view holds). */
  readonly savedElements: number;
  /** The value stops saving old elements; the view must not be read after this. */
  release(): void;
}

export interface FrozenHash extends FrozenView {
  fieldAt(position: number): string;
  valueAt(position: number): string;
}

export interface FrozenMembers extends FrozenView {
  memberAt(position: number): string;
}

export interface FrozenZSet extends FrozenMembers {
  scoreAt(position: number): number;
}

export interface FrozenList extends FrozenView {
  at(index: number): string;
}

/**
 * The old elements of an array at the positions that changed since the view was taken. No
 * element is ever undefined (collections hold strings and numbers), so undefined means none.
 */
export class PositionLog<T extends string | number> {
  private readonly saved = new Map<number, T>();

  constructor(
    private readonly source: readonly T[],
    /** Positions the view covers: [0, length). */
    readonly length: number,
  ) {}

  get savedCount(): number {
    return this.saved.size;
  }

  /** Before `source[at]` is overwritten or dropped. */
  save(at: number): void {
    if (at < this.length && !this.saved.has(at)) this.saved.set(at, this.source[at]);
  }

  at(position: number): T {
    if (this.saved.size !== 0) {
      const old = this.saved.get(position);
      if (old !== undefined) return old;
    }
    return this.source[position];
  }
}
