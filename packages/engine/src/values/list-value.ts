import type { FrozenList } from './frozen.js';

/** What a snapshot's view of the list reads: the ring as it was, and the slots changed since. */
interface FrozenRing {
  readonly items: readonly (string | undefined)[];
  readonly head: number;
  readonly mask: number;
  readonly count: number;
  /** Old elements by physical slot. */
  readonly saved: Map<number, string>;
}

/**
 * A Redis list: a ring buffer of latin1 strings with O(1) push and pop at both ends and O(1)
 * access by index. Inserting or removing in the middle shifts the shorter side.
 */
export class ListValue {
  private items: (string | undefined)[];
  private head = 0;
  private mask: number;
  private count = 0;
  /**
   * The ring a snapshot's view reads (freeze), while this list still writes into it: slots
   * are saved before they change. Null once the list moves to a new ring, which leaves the
   * old one to the view untouched.
   */
  private frozen: FrozenRing | null = null;

  constructor(capacity = 4) {
    let size = 4;
    while (size < capacity) size *= 2;
    this.items = new Array<string | undefined>(size);
    this.mask = size - 1;
  }

  static of(values: readonly string[]): ListValue {
    const list = new ListValue(values.length);
    for (const value of values) list.pushTail(value);
    return list;
  }

  get length(): number {
    return this.count;
  }

  pushHead(value: string): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.saveSlot(this.head);
    this.items[this.head] = value;
    this.count++;
  }

  pushTail(value: string): void {
    if (this.count === this.items.length) this.grow();
    const at = (this.head + this.count) & this.mask;
    this.saveSlot(at);
    this.items[at] = value;
    this.count++;
  }

  popHead(): string | undefined {
    if (this.count === 0) return undefined;
    const value = this.items[this.head];
    this.saveSlot(this.head);
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    this.maybeShrink();
    return value;
  }

  popTail(): string | undefined {
    if (this.count === 0) return undefined;
    const at = (this.head + this.count - 1) & this.mask;
    const value = this.items[at];
    this.saveSlot(at);
    this.items[at] = undefined;
    this.count--;
    this.maybeShrink();
    return value;
  }

  /** Element at a 0-based index from the head; the caller keeps it in range. */
  at(index: number): string {
    return this.items[(this.head + index) & this.mask] as string;
  }

  set(index: number, value: string): void {
    const at = (this.head + index) & this.mask;
    this.saveSlot(at);
    this.items[at] = value;
  }

  /** Inserts so that the new element ends up at `index` (0..length). */
  insert(index: number, value: string): void {
    if (index === 0) return this.pushHead(value);
    if (index === this.count) return this.pushTail(value);
    if (this.count === this.items.length) this.grow();
    if (index < this.count / 2) {
      this.head = (this.head - 1) & this.mask;
      for (let i = 0; i < index; i++) this.set(i, this.at(i + 1));
    } else {
      for (let i = this.count; i > index; i--) this.set(i, this.at(i - 1));
    }
    this.set(index, value);
    this.count++;
  }

  removeAt(index: number): void {
    if (index < this.count / 2) {
      for (let i = index; i > 0; i--) this.set(i, this.at(i - 1));
      this.saveSlot(this.head);
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
    } else {
      for (let i = index; i < this.count - 1; i++) this.set(i, this.at(i + 1));
      const last = (this.head + this.count - 1) & this.mask;
      this.saveSlot(last);
      this.items[last] = undefined;
    }
    this.count--;
    this.maybeShrink();
  }

  /** Keeps only elements [start, end] (inclusive, within the list). */
  trim(start: number, end: number): void {
    const kept = this.range(start, end);
    this.clear();
    for (const value of kept) this.pushTail(value);
  }

  clear(): void {
    this.frozen = null;
    this.items = new Array<string | undefined>(4);
    this.mask = 3;
    this.head = 0;
    this.count = 0;
  }

  /** Elements [start, end] inclusive, clamped by the caller. */
  range(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.at(i);
    return out;
  }

  toArray(): string[] {
    return this.count === 0 ? [] : this.range(0, this.count - 1);
  }

  /** The list as it is now, for a snapshot that writes it while clients change it (frozen.ts). */
  freeze(): FrozenList {
    const frozen: FrozenRing = { items: this.items, head: this.head, mask: this.mask, count: this.count, saved: new Map() };
    this.frozen = frozen;
    return {
      size: frozen.count,
      get savedElements() {
        return frozen.saved.size;
      },
      at: (index) => {
        const slot = (frozen.head + index) & frozen.mask;
        if (frozen.saved.size !== 0) {
          const old = frozen.saved.get(slot);
          if (old !== undefined) return old;
        }
        return frozen.items[slot] as string;
      },
      release: () => {
        if (this.frozen === frozen) this.frozen = null;
      },
    };
  }

  clone(): ListValue {
    return ListValue.of(this.toArray());
  }

  /** Before a slot of the ring changes: a view of the ring keeps the element it held. */
  private saveSlot(slot: number): void {
    const frozen = this.frozen;
    if (frozen === null || frozen.saved.has(slot)) return;
    // Only the view's own slots: [head, head + count) of the ring as it was.
    if (((slot - frozen.head) & frozen.mask) < frozen.count) frozen.saved.set(slot, frozen.items[slot] as string);
  }

  private grow(): void {
    this.frozen = null;
    const size = this.items.length * 2;
    const items = new Array<string | undefined>(size);
    for (let i = 0; i < this.count; i++) items[i] = this.at(i);
    this.items = items;
    this.head = 0;
    this.mask = size - 1;
  }

  /** Gives memory back once a large list has mostly drained. */
  private maybeShrink(): void {
    const size = this.items.length;
    if (size <= 64 || this.count > size / 8) return;
    this.frozen = null;
    const next = size / 4;
    const items = new Array<string | undefined>(next);
    for (let i = 0; i < this.count; i++) items[i] = this.at(i);
    this.items = items;
    this.head = 0;
    this.mask = next - 1;
  }
}
