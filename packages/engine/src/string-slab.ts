import { latin1Slice, latin1Write } from '@understudy/protocol';
import { HandleQueue, HandleStack } from './handle-lists.js';

/** Shorter strings stay ordinary JavaScript strings: a cell would save too little to matter. */
export const SLAB_MIN_LENGTH = 64;
/** Longer strings stay ordinary strings too; V8 keeps those in its large-object space anyway. */
export const SLAB_MAX_LENGTH = 65536;

/** Cell sizes: 2^CLASS_BITS classes per power of two, as size-class allocators do (at most 12.5% slack). */
const CLASS_BITS = 3;
const CLASSES_PER_DOUBLING = 1 << CLASS_BITS;
const SMALLEST_CLASS_LOG2 = 5;
/** A class's first page holds this many cells; each further page doubles, up to MAX_PAGE_BYTES. */
const FIRST_PAGE_CELLS = 4;
const MAX_PAGE_BYTES = 1 << 20;
const INITIAL_HANDLES = 64;
/** How many classes up a string may take a free cell: at most 25% more than its own class. */
const BORROW_CLASSES = 2;

/** Cells of one size, carved from pages of that class and reused through a free list. */
interface SizeClass {
  readonly cellBytes: number;
  /** Handles of freed cells of this class. */
  readonly free: HandleStack;
  /** The page being carved, where its next unused cell starts, and the next page's size. */
  page: number;
  nextOffset: number;
  pageEnd: number;
  nextPageCells: number;
}

/**
 * Long string values of one database, kept outside V8's heap in large buffers.
 *
 * A value a SET stores lives until it is overwritten, so as a JavaScript string it would
 * survive V8's young generation and be copied twice on its way to the old one: under a write
 * load most scavenge time, and the longest event-loop stalls, were that copying (measured in
 * the snapshot benchmark; see bench/). In a cell here a stored value is only a small integer
 * in the keyspace's value array, which V8 never copies or traces; the database frees the cell
 * when it overwrites or deletes the key, since it is the only owner. Reading a value gives a
 * fresh string that dies young.
 */
export class StringSlab {
  private readonly classes: (SizeClass | undefined)[] = [];
  private readonly pages: Buffer[] = [];
  // Per-handle tables: a handle is an index into these, a small integer V8 stores unboxed.
  private pageOf = new Int32Array(INITIAL_HANDLES);
  private offsetOf = new Int32Array(INITIAL_HANDLES);
  private lengthOf = new Int32Array(INITIAL_HANDLES);
  private classOf = new Uint8Array(INITIAL_HANDLES);
  /** 1 for a cell a snapshot refers to (refer()) while holding. */
  private referenced = new Uint8Array(INITIAL_HANDLES);
  private handles = 0;
  private reserved = 0;
  private used = 0;
  /**
   * While a snapshot's encoding worker may still read cells (see hold()), freed cells wait
   * here, in the order freed, instead of going back to their free lists.
   */
  private holding = false;
  private readonly held = new HandleQueue();
  /** Cells ever held, so that callers can release "everything held up to now" later. */
  private heldTotal = 0;
  private heldCellBytes = 0;

  /** The longest string a cell keeps. */
  static readonly maxLength = SLAB_MAX_LENGTH;

  /** Whether a string of this length is kept in a cell. */
  static holds(length: number): boolean {
    return length >= SLAB_MIN_LENGTH && length <= SLAB_MAX_LENGTH;
  }

  /** Bytes of buffers this slab has allocated (cells in use, free and not yet carved). */
  get reservedBytes(): number {
    return this.reserved;
  }

  /** Bytes of the cells holding strings: what INFO counts as used, the rest as fragmentation. */
  get usedBytes(): number {
    return this.used;
  }

  /** Copies a string that `holds()` accepts into a cell; returns the cell's handle. */
  store(value: string): number {
    const handle = this.allocate(value.length);
    latin1Write(this.pages[this.pageOf[handle]], value, this.offsetOf[handle]);
    return handle;
  }

  /** A cell for `length` bytes, counted as used; the caller fills it. */
  private allocate(length: number): number {
    const classIndex = sizeClassIndex(length);
    const sizeClass = this.classes[classIndex] ?? this.createClass(classIndex);
    const handle = sizeClass.free.length > 0 ? sizeClass.free.pop() : (this.borrow(classIndex) ?? this.carve(sizeClass, classIndex));
    this.lengthOf[handle] = length;
    this.used += this.classes[this.classOf[handle]]!.cellBytes;
    return handle;
  }

  /** Copies bytes that `holds()` accepts by their length into a cell; returns the cell's handle. */
  storeBytes(bytes: Uint8Array): number {
    const handle = this.allocate(bytes.length);
    this.pages[this.pageOf[handle]].set(bytes, this.offsetOf[handle]);
    return handle;
  }

  read(handle: number): string {
    const offset = this.offsetOf[handle];
    return latin1Slice(this.pages[this.pageOf[handle]], offset, offset + this.lengthOf[handle]);
  }

  /** The cell's bytes without making a string; valid until the handle is freed. */
  view(handle: number): Buffer {
    const offset = this.offsetOf[handle];
    return this.pages[this.pageOf[handle]].subarray(offset, offset + this.lengthOf[handle]);
  }

  length(handle: number): number {
    return this.lengthOf[handle];
  }

  /** Returns a cell for reuse (or holds it, see hold()); the handle must not be read again. */
  free(handle: number): void {
    const sizeClass = this.classes[this.classOf[handle]]!;
    this.used -= sizeClass.cellBytes;
    if (this.holding && this.referenced[handle] === 1) {
      this.referenced[handle] = 0;
      this.held.push(handle);
      this.heldTotal++;
      this.heldCellBytes += sizeClass.cellBytes;
      return;
    }
    sizeClass.free.push(handle);
  }

  /** The pages, which another thread may read cells from (SharedArrayBuffers). */
  get pageBuffers(): readonly Buffer[] {
    return this.pages;
  }

  /** Where a cell's bytes are: its page (an index into pageBuffers) and offset there. */
  pageIndex(handle: number): number {
    return this.pageOf[handle];
  }

  cellOffset(handle: number): number {
    return this.offsetOf[handle];
  }

  /**
   * From now on cells that were referred to (refer()) are not reused, once freed, until
   * released: a snapshot whose worker copies values straight from the pages needs every cell it
   * refers to unchanged until the worker has read it, and a store would otherwise take a freed
   * cell (often the one an overwrite just left) and write over the old value.
   */
  hold(): void {
    this.holding = true;
  }

  /** While holding: the cell is referred to, and is held if it is freed. */
  refer(handle: number): void {
    if (this.holding) this.referenced[handle] = 1;
  }

  /** Cells held so far, counted since the slab was made; a mark for releaseHeld. */
  get heldMark(): number {
    return this.heldTotal;
  }

  /** Returns the cells held before `mark` (a heldMark) to their free lists. */
  releaseHeld(mark: number): void {
    // The queue holds the cells held since mark heldTotal - held.length, oldest first.
    const held = this.held;
    for (let count = Math.min(held.length, mark - (this.heldTotal - held.length)); count > 0; count--) {
      const handle = held.shift();
      const sizeClass = this.classes[this.classOf[handle]]!;
      sizeClass.free.push(handle);
      this.heldCellBytes -= sizeClass.cellBytes;
    }
  }

  /** Stops holding: every held cell is free again, and no cell is referred to. */
  unhold(): void {
    this.holding = false;
    this.releaseHeld(this.heldTotal);
    this.referenced.fill(0);
  }

  /** Bytes of the cells held, which are neither in use nor reusable yet. */
  get heldBytes(): number {
    return this.heldCellBytes;
  }

  private createClass(classIndex: number): SizeClass {
    const sizeClass: SizeClass = { cellBytes: cellBytes(classIndex), free: new HandleStack(), page: -1, nextOffset: 0, pageEnd: 0, nextPageCells: FIRST_PAGE_CELLS };
    this.classes[classIndex] = sizeClass;
    return sizeClass;
  }

  /**
   * A free cell of one of the next BORROW_CLASSES classes up, for a class with none of its
   * own. When a write load shrinks values (900 bytes overwritten by 800, say), the cells the
   * old ones leave are reused instead of staying reserved beside newly carved ones; the
   * cell keeps its class, so freeing it returns it there.
   */
  private borrow(classIndex: number): number | undefined {
    for (let index = classIndex + 1; index <= classIndex + BORROW_CLASSES; index++) {
      const larger = this.classes[index];
      if (larger !== undefined && larger.free.length > 0) return larger.free.pop();
    }
    return undefined;
  }

  /** A new handle for the next unused cell of a class, starting a page when the last is full. */
  private carve(sizeClass: SizeClass, classIndex: number): number {
    if (sizeClass.nextOffset + sizeClass.cellBytes > sizeClass.pageEnd) {
      const bytes = sizeClass.nextPageCells * sizeClass.cellBytes;
      // A SharedArrayBuffer, because V8 does not count it as external memory: every 64 MB
      // of ordinary ArrayBuffers allocated starts a full mark of the heap ("external memory
      // pressure"), which under a write load, while cells of a new size class are carved,
      // meant a mark-compact every few seconds. The slab frees its cells itself, so there is
      // nothing for a collection to find here. A snapshot's encoding worker reads cells from it.
      this.pages.push(Buffer.from(new SharedArrayBuffer(bytes)));
      this.reserved += bytes;
      sizeClass.page = this.pages.length - 1;
      sizeClass.nextOffset = 0;
      sizeClass.pageEnd = bytes;
      sizeClass.nextPageCells = Math.max(1, Math.min(sizeClass.nextPageCells * 2, Math.floor(MAX_PAGE_BYTES / sizeClass.cellBytes)));
    }
    const handle = this.handles++;
    if (handle === this.pageOf.length) this.growHandles();
    this.pageOf[handle] = sizeClass.page;
    this.offsetOf[handle] = sizeClass.nextOffset;
    this.classOf[handle] = classIndex;
    sizeClass.nextOffset += sizeClass.cellBytes;
    return handle;
  }

  private growHandles(): void {
    const capacity = this.pageOf.length * 2;
    this.pageOf = grown(this.pageOf, new Int32Array(capacity));
    this.offsetOf = grown(this.offsetOf, new Int32Array(capacity));
    this.lengthOf = grown(this.lengthOf, new Int32Array(capacity));
    this.classOf = grown(this.classOf, new Uint8Array(capacity));
    this.referenced = grown(this.referenced, new Uint8Array(capacity));
  }
}

function grown<T extends Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** The class whose cells are the smallest that hold `length` bytes. */
export function sizeClassIndex(length: number): number {
  const log2 = 31 - Math.clz32(length - 1);
  const step = 1 << (log2 - CLASS_BITS);
  const within = Math.ceil((length - (1 << log2)) / step);
  return (log2 - SMALLEST_CLASS_LOG2) * CLASSES_PER_DOUBLING + within - 1;
}

export function cellBytes(classIndex: number): number {
  const log2 = SMALLEST_CLASS_LOG2 + Math.floor(classIndex / CLASSES_PER_DOUBLING);
  return (1 << log2) + ((classIndex % CLASSES_PER_DOUBLING) + 1) * (1 << (log2 - CLASS_BITS));
}
