import { readFileSync } from 'node:fs';

/**
 * LZF, the compression RDB strings use (encoding 0xC3). The stream is a sequence of chunks:
 * a control byte below 32 starts a literal run of control+1 bytes; otherwise its top three
 * bits give a match length (7 = read one more length byte) and its low five bits plus the next
 * byte a distance back into the output (1..8192). Matches copy length+2 bytes, possibly
 * overlapping what they produce.
 *
 * Both directions are WebAssembly, built from ../assembly/lzf.ts to dist/lzf.wasm. On the
 * bench's text values it compresses at 2-2.6x and decompresses at 2x the speed of the same
 * loops in JavaScript, and compression is a snapshot's costliest step. Each thread has its own
 * instance; data is copied into its memory and back, memcpys that cost far less than the work.
 */

/**
 * RDB strings are compressed after the fact: the writer lays every compressible string (over
 * 20 bytes) out raw and notes where it is, and a chunk's strings are compressed later, in
 * place, on the thread that has time for it (a worker for a background snapshot). The rules
 * are Redis's: compress only when it saves at least 4 bytes.
 *
 * A chunk's spans are triples in an Int32Array: the offset of the string's length header,
 * the header's size, and the string's size (the layout compressSpans in lzf.wasm reads).
 */
export const SPAN_FIELDS = 3;

interface LzfExports {
  memory: WebAssembly.Memory;
  workspace(): number;
  compress(input: number, length: number, output: number, limit: number): number;
  compressSpans(chunk: number, length: number, spans: number, spanCount: number, scratch: number): number;
  decompress(input: number, inputLength: number, output: number, length: number): number;
}

const WASM_PAGE = 64 * 1024;
/**
 * Memory an instance may keep between calls. A string of megabytes grows it to twice the
 * string, and WebAssembly memory cannot shrink, so such an instance is dropped after the call.
 */
const KEEP_BYTES = 4 * 1024 * 1024;
/** The compressor's word loads read up to a few bytes past a range: they stay in memory. */
const SLACK = 16;

let compiled: WebAssembly.Module | null = null;

function compiledModule(): WebAssembly.Module {
  if (compiled === null) {
    // dist/lzf.wasm, from dist/ (the build) as from src/ (tests run on the sources).
    const file = new URL('../dist/lzf.wasm', import.meta.url);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read ${file.pathname}: build the rdb package first (npm run build)`, { cause: error });
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

const align = (at: number): number => (at + 15) & ~15;

class LzfInstance {
  private readonly exports: LzfExports;
  private readonly base: number;
  private bytes: Uint8Array;
  private words: Int32Array;

  constructor() {
    this.exports = new WebAssembly.Instance(compiledModule(), {}).exports as unknown as LzfExports;
    this.base = this.exports.workspace();
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.words = new Int32Array(this.exports.memory.buffer);
  }

  get size(): number {
    return this.bytes.length;
  }

  /** Makes room for `needed` bytes from the workspace's start. */
  private reserve(needed: number): void {
    const end = this.base + needed + SLACK;
    if (end <= this.bytes.length) return;
    this.exports.memory.grow(Math.ceil((end - this.bytes.length) / WASM_PAGE));
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.words = new Int32Array(this.exports.memory.buffer);
  }

  compress(source: Uint8Array, start: number, length: number, output: Uint8Array, limit: number): number {
    const room = Math.max(0, Math.min(limit, output.length));
    const outputAt = align(this.base + length);
    this.reserve(outputAt - this.base + room);
    this.bytes.set(source.subarray(start, start + length), this.base);
    const packed = this.exports.compress(this.base, length, outputAt, room);
    output.set(this.bytes.subarray(outputAt, outputAt + packed));
    return packed;
  }

  compressSpans(chunk: Uint8Array, length: number, spans: Int32Array, spanCount: number): number {
    // The spans, then the chunk, then room for its largest string compressed.
    const fields = spanCount * SPAN_FIELDS;
    const chunkAt = align(this.base + fields * 4);
    const scratchAt = align(chunkAt + length);
    this.reserve(scratchAt - this.base + length);
    this.words.set(spans.subarray(0, fields), this.base >> 2);
    this.bytes.set(chunk.subarray(0, length), chunkAt);
    const packed = this.exports.compressSpans(chunkAt, length, this.base, spanCount, scratchAt);
    chunk.set(this.bytes.subarray(chunkAt, chunkAt + packed));
    return packed;
  }

  decompress(input: Uint8Array, output: Uint8Array): boolean {
    const outputAt = align(this.base + input.length);
    this.reserve(outputAt - this.base + output.length);
    this.bytes.set(input, this.base);
    if (this.exports.decompress(this.base, input.length, outputAt, output.length) < 0) return false;
    output.set(this.bytes.subarray(outputAt, outputAt + output.length));
    return true;
  }
}

let instance: LzfInstance | null = null;

/** This thread's instance, made on first use. */
function lzf(): LzfInstance {
  return instance ?? (instance = new LzfInstance());
}

/** Drops the instance after a call that grew it past KEEP_BYTES. */
function release(used: LzfInstance): void {
  if (used.size > KEEP_BYTES) instance = null;
}

/**
 * Compresses the spans of chunk[0, length) in place and returns the chunk's new length. A
 * string is replaced by its LZF form only when that is at least 4 bytes shorter and takes no
 * more room than the raw form, so the output never overtakes the input.
 */
export function compressSpans(chunk: Uint8Array, length: number, spans: Int32Array, spanCount: number): number {
  const used = lzf();
  const packed = used.compressSpans(chunk, length, spans, spanCount);
  release(used);
  return packed;
}

/**
 * Compresses source[start, start + length) into output[0, limit); returns the compressed
 * length, or 0 when it does not fit (callers pass a limit below the input length to demand a
 * gain).
 */
export function lzfCompress(source: Uint8Array, start: number, length: number, output: Uint8Array, limit: number): number {
  const used = lzf();
  const packed = used.compress(source, start, length, output, limit);
  release(used);
  return packed;
}

/**
 * Decompresses into exactly `length` bytes; null when the stream is invalid or the size
 * differs. With `into` (at least `length` bytes) the result is a view of it, which saves an
 * allocation per string when the caller consumes it at once.
 */
export function lzfDecompress(input: Uint8Array, length: number, into?: Buffer): Buffer | null {
  const output = into === undefined ? Buffer.allocUnsafe(length) : into.subarray(0, length);
  const used = lzf();
  const valid = used.decompress(input, output);
  release(used);
  return valid ? output : null;
}
