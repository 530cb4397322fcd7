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
  /** Positions the view covers: [0, length). */
  readonly length: number;

  constructor(private readonly source: readonly T[]) {
    this.length = source.length;
  }

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

/** Two arrays kept position for position (a hash's fields and values, a zset's members and scores). */
export class EntryLog<A extends string | number, B extends string | number> {
  readonly first: PositionLog<A>;
  readonly second: PositionLog<B>;

  constructor(first: readonly A[], second: readonly B[]) {
    this.first = new PositionLog(first);
    this.second = new PositionLog(second);
  }

  get length(): number {
    return this.first.length;
  }

  get savedCount(): number {
    return this.first.savedCount + this.second.savedCount;
  }

  /** Before the entry at `at` is overwritten or dropped. */
  save(at: number): void {
    this.first.save(at);
    this.second.save(at);
  }
}
