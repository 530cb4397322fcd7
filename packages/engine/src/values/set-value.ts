import { isCanonicalInteger } from '../numbers.js';
import { type FrozenMembers, PositionLog } from './frozen.js';

/**
 * A Redis set. While every member is an integer and there are few of them it mirrors Redis's
 * intset: members kept sorted by numeric value (SMEMBERS answers in ascending order, as
 * redis-server does). Otherwise it is a hash table: an index plus a dense member array, which
 * gives O(1) random members for SPOP and SRANDMEMBER and stable cursors for SSCAN.
 */
export class SetValue {
  private members: string[] = [];
  /** Member -> position; null while intset-encoded. */
  private index: Map<string, number> | null = null;
  /** Old members kept for a snapshot's view (freeze), or null. */
  private frozen: PositionLog<string> | null = null;

  get size(): number {
    return this.members.length;
  }

  get isIntset(): boolean {
    return this.index === null;
  }

  has(member: string): boolean {
    return this.position(member) >= 0;
  }

  /**
   * Adds a member; true when it was not there. `maxIntsetEntries` is set-max-intset-entries:
   * the set leaves the intset form when it would grow past it or a non-integer arrives.
   */
  add(member: string, maxIntsetEntries: number): boolean {
    if (this.index === null) {
      if (isCanonicalInteger(member)) {
        const at = this.intsetSearch(member);
        if (at >= 0) return false;
        if (this.members.length < maxIntsetEntries) {
          this.members.splice(-at - 1, 0, member);
          return true;
        }
      }
      this.convertToTable();
    }
    const index = this.index!;
    if (index.has(member)) return false;
    index.set(member, this.members.length);
    this.members.push(member);
    return true;
  }

  delete(member: string): boolean {
    const at = this.position(member);
    if (at < 0) return false;
    this.deleteAt(at);
    return true;
  }

  /** Removes the member at a position (random pops use this). */
  deleteAt(at: number): void {
    if (this.index === null) {
      this.members.splice(at, 1);
      return;
    }
    const last = this.members.length - 1;
    this.index.delete(this.members[at]);
    this.frozen?.save(at);
    this.frozen?.save(last);
    if (at !== last) {
      const moved = this.members[last];
      this.members[at] = moved;
      this.index.set(moved, at);
    }
    this.members.pop();
  }

  memberAt(position: number): string {
    return this.members[position];
  }

  /** All members: ascending for an intset, table order otherwise. */
  toArray(): string[] {
    return this.members.slice();
  }

  /**
   * The set as it is now, for a snapshot that writes it while clients change it (frozen.ts).
   * Only the hash-table form: an intset is small and shifts its members.
   */
  freeze(): FrozenMembers {
    if (this.index === null) throw new Error('an intset is copied, not frozen');
    const frozen = new PositionLog(this.members);
    this.frozen = frozen;
    return {
      size: frozen.length,
      get savedElements() {
        return frozen.savedCount;
      },
      memberAt: (position) => frozen.at(position),
      release: () => {
        if (this.frozen === frozen) this.frozen = null;
      },
    };
  }

  convertToTable(): void {
    if (this.index !== null) return;
    this.index = new Map();
    for (let i = 0; i < this.members.length; i++) this.index.set(this.members[i], i);
  }

  clone(): SetValue {
    const copy = new SetValue();
    copy.members = this.members.slice();
    if (this.index !== null) copy.convertToTable();
    return copy;
  }

  private position(member: string): number {
    if (this.index !== null) return this.index.get(member) ?? -1;
    if (!isCanonicalInteger(member)) return -1;
    const at = this.intsetSearch(member);
    return at >= 0 ? at : -1;
  }

  /** Binary search among the sorted integers: the position, or -(insertion point) - 1. */
  private intsetSearch(member: string): number {
    let low = 0;
    let high = this.members.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const order = compareIntegers(this.members[mid], member);
      if (order === 0) return mid;
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return -low - 1;
  }
}

/** Orders two canonical integer strings by value without converting them. */
function compareIntegers(a: string, b: string): number {
  const aNegative = a.charCodeAt(0) === 0x2d;
  const bNegative = b.charCodeAt(0) === 0x2d;
  if (aNegative !== bNegative) return aNegative ? -1 : 1;
  let order = a.length - b.length;
  if (order === 0) order = a < b ? -1 : a > b ? 1 : 0;
  return aNegative ? -order : order;
}
