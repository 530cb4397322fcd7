// The rdb package's WebAssembly kernels, built to dist/kernels.wasm (see ../src/kernels.ts).
export { compress, compressSpans, decompress } from './lzf';
export { crc64 } from './crc64';

/** Where the host may place its data: all memory above the kernels' tables is free. */
export function workspace(): usize {
  return (__heap_base + 15) & ~15;
}
