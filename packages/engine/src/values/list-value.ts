/**
 * A Redis list: a ring buffer of latin1 strings with O(1) push and pop at both ends and O(1)
 * access by index. Inserting or removing in the middle shifts the shorter side.
 */
export class ListValue {
  private items: (string | undefined)[];
  private head = 0;
  private mask: number;
  private count = 0;

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
    this.items[this.head] = value;
    this.count++;
  }

  pushTail(value: string): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = value;
    this.count++;
  }

  popHead(): string | undefined {
    if (this.count === 0) return undefined;
    const value = this.items[this.head];
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
    this.items[(this.head + index) & this.mask] = value;
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
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
    } else {
      for (let i = index; i < this.count - 1; i++) this.set(i, this.at(i + 1));
      this.items[(this.head + this.count - 1) & this.mask] = undefined;
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

  clone(): ListValue {
    return ListValue.of(this.toArray());
  }

  private grow(): void {
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
    const next = size / 4;
    const items = new Array<string | undefined>(next);
    for (let i = 0; i < this.count; i++) items[i] = this.at(i);
    this.items = items;
    this.head = 0;
    this.mask = next - 1;
  }
}
