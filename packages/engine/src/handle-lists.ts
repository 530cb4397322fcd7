/**
 * Lists of slab handles (small non-negative integers) in typed arrays whose capacity only
 * grows.
 *
 * Plain arrays were used before, and they cost event-loop stalls during a snapshot. V8 trims
 * an array's backing store once it is less than half full, so a free list that a released
 * batch filled and SETs then drained was trimmed, then grown again at the next release. Each
 * growth allocated a new large backing store on fresh pages and filled it. In the snapshot
 * benchmark one such release took 6 ms of a single turn, mostly the kernel zeroing new pages.
 * Here the memory stays once it is reached: 4 bytes per handle at the list's high mark.
 */

const INITIAL_CAPACITY = 64;

/** Last in, first out: a size class's free cells. */
export class HandleStack {
  private items = new Int32Array(INITIAL_CAPACITY);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(handle: number): void {
    if (this.size === this.items.length) this.items = doubled(this.items, this.size);
    this.items[this.size++] = handle;
  }

  /** The last handle pushed, removed; -1 when empty. */
  pop(): number {
    return this.size === 0 ? -1 : this.items[--this.size];
  }
}

/** First in, first out: cells freed while a snapshot may still read them, in the order freed. */
export class HandleQueue {
  private items = new Int32Array(INITIAL_CAPACITY);
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(handle: number): void {
    if (this.tail === this.items.length) this.makeRoom();
    this.items[this.tail++] = handle;
  }

  /** The oldest handle, removed; the queue must not be empty. */
  shift(): number {
    const handle = this.items[this.head++];
    if (this.head === this.tail) this.head = this.tail = 0;
    return handle;
  }

  /** Moves the live part to the front when that frees at least half; otherwise grows. */
  private makeRoom(): void {
    const live = this.tail - this.head;
    if (this.head * 2 >= this.items.length) this.items.copyWithin(0, this.head, this.tail);
    else this.items = doubled(this.items.subarray(this.head, this.tail), live);
    this.head = 0;
    this.tail = live;
  }
}

function doubled(items: Int32Array, used: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(INITIAL_CAPACITY, used * 2));
  grown.set(items.subarray(0, used));
  return grown;
}
