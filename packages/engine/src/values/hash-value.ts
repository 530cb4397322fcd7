/**
 * A Redis hash. Small hashes mirror Redis's listpack: parallel arrays searched linearly, fields
 * kept in insertion order (HGETALL answers in the same order as redis-server). Once a hash
 * outgrows the listpack limits it gains an index and, like Redis's hash table, stops keeping
 * an order: deletions move the last field into the hole.
 */
export class HashValue {
  private fields: string[] = [];
  private values: string[] = [];
  /** Field -> position; null while the hash is listpack-encoded. */
  private index: Map<string, number> | null = null;

  get size(): number {
    return this.fields.length;
  }

  get isListpack(): boolean {
    return this.index === null;
  }

  get(field: string): string | undefined {
    const at = this.position(field);
    return at < 0 ? undefined : this.values[at];
  }

  has(field: string): boolean {
    return this.position(field) >= 0;
  }

  /** Sets a field; true when the field is new. */
  set(field: string, value: string): boolean {
    const at = this.position(field);
    if (at >= 0) {
      this.values[at] = value;
      return false;
    }
    this.index?.set(field, this.fields.length);
    this.fields.push(field);
    this.values.push(value);
    return true;
  }

  delete(field: string): boolean {
    const at = this.position(field);
    if (at < 0) return false;
    if (this.index === null) {
      this.fields.splice(at, 1);
      this.values.splice(at, 1);
      return true;
    }
    const last = this.fields.length - 1;
    this.index.delete(field);
    if (at !== last) {
      const moved = this.fields[last];
      this.fields[at] = moved;
      this.values[at] = this.values[last];
      this.index.set(moved, at);
    }
    this.fields.pop();
    this.values.pop();
    return true;
  }

  fieldAt(position: number): string {
    return this.fields[position];
  }

  valueAt(position: number): string {
    return this.values[position];
  }

  /**
   * Copies of the field and value arrays, position for position (fieldAt/valueAt): a snapshot
   * holds them when the hash is about to change. The strings are shared, not copied.
   */
  copyEntries(): [fields: string[], values: string[]] {
    return [this.fields.slice(), this.values.slice()];
  }

  /** Converts to the hash-table form for good, as Redis does past hash-max-listpack-*. */
  convertToTable(): void {
    if (this.index !== null) return;
    this.index = new Map();
    for (let i = 0; i < this.fields.length; i++) this.index.set(this.fields[i], i);
  }

  clone(): HashValue {
    const copy = new HashValue();
    copy.fields = this.fields.slice();
    copy.values = this.values.slice();
    if (this.index !== null) copy.convertToTable();
    return copy;
  }

  private position(field: string): number {
    if (this.index !== null) return this.index.get(field) ?? -1;
    return this.fields.indexOf(field);
  }
}
