import { readFileSync } from 'node:fs';

/**
 * The package's WebAssembly kernels, built from ../assembly/ to dist/kernels.wasm: LZF (lzf.ts)
 * and CRC64 (crc64.ts), the byte loops a snapshot and a load spend most of their CPU in. Each
 * thread has its own instance. Callers copy data into its memory from `base` on (after
 * `reserve`), call, and copy results out: memcpys that cost far less than the work they speed.
 */
interface KernelExports {
  memory: WebAssembly.Memory;
  workspace(): number;
  compress(input: number, length: number, output: number, limit: number): number;
  compressSpans(chunk: number, length: number, spans: number, spanCount: number, scratch: number): number;
  decompress(input: number, inputLength: number, output: number, length: number): number;
  crc64(crc: bigint, data: number, length: number): bigint;
}

const WASM_PAGE = 64 * 1024;
/**
 * Memory an instance may keep between calls. A string of megabytes grows it to twice the
 * string, and WebAssembly memory cannot shrink, so such an instance is dropped after the call.
 */
const KEEP_BYTES = 4 * 1024 * 1024;
/** The kernels' word loads read up to a few bytes past a range: they stay in memory. */
const SLACK = 16;

let compiled: WebAssembly.Module | null = null;

function compiledModule(): WebAssembly.Module {
  if (compiled === null) {
    // dist/kernels.wasm, from dist/ (the build) as from src/ (tests run on the sources).
    const file = new URL('../dist/kernels.wasm', import.meta.url);
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

export const align = (at: number): number => (at + 15) & ~15;

export class Kernels {
  readonly exports: KernelExports;
  /** Where callers' data may start. */
  readonly base: number;
  bytes: Uint8Array;
  words: Int32Array;

  constructor() {
    this.exports = new WebAssembly.Instance(compiledModule(), {}).exports as unknown as KernelExports;
    this.base = this.exports.workspace();
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.words = new Int32Array(this.exports.memory.buffer);
  }

  /** Makes room for `needed` bytes from `base`; `bytes` and `words` are new views after. */
  reserve(needed: number): void {
    const end = this.base + needed + SLACK;
    if (end <= this.bytes.length) return;
    this.exports.memory.grow(Math.ceil((end - this.bytes.length) / WASM_PAGE));
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.words = new Int32Array(this.exports.memory.buffer);
  }
}

let instance: Kernels | null = null;

/** This thread's instance, made on first use. */
export function kernels(): Kernels {
  return instance ?? (instance = new Kernels());
}

/** After a call: drops the instance if the call grew it past KEEP_BYTES. */
export function releaseKernels(used: Kernels): void {
  if (used.bytes.length > KEEP_BYTES && instance === used) instance = null;
}
