/**
 * A Redis hash. Small hashes mirror Redis's listpack: parallel arrays searched linearly, fields
 * kept in insertion order (HGETALL answers in the same order as redis-server). Once a hash
 * outgrows the listpack limits it gains an index and, like Redis's hash table, stops keeping
 * an order: deletions move the last field into the hole.
 */
import { EntryLog, type FrozenHash } from './frozen.js';

export class HashValue {
  private fields: string[] = [];
  private values: string[] = [];
  /** Field -> position; null while the hash is listpack-encoded. */
  private index: Map<string, number> | null = null;
  /** Old entries kept for a snapshot's view (freeze), or null. */
  private frozen: EntryLog<string, string> | null = null;

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
      this.frozen?.second.save(at);
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
    this.frozen?.save(at);
    this.frozen?.save(last);
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
   * The hash as it is now, for a snapshot that writes it while clients change it (frozen.ts).
   * Only the hash-table form: a listpack-encoded hash is small and shifts its entries.
   */
  freeze(): FrozenHash {
    if (this.index === null) throw new Error('a listpack-encoded hash is copied, not frozen');
    const frozen = new EntryLog(this.fields, this.values);
    this.frozen = frozen;
    return {
      size: frozen.length,
      get savedElements() {
        return frozen.savedCount;
      },
      fieldAt: (position) => frozen.first.at(position),
      valueAt: (position) => frozen.second.at(position),
      release: () => {
        if (this.frozen === frozen) this.frozen = null;
      },
    };
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
