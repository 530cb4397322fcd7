import { align, kernels, type Kernels, releaseKernels } from './kernels.js';

/**
 * LZF, the compression RDB strings use (encoding 0xC3). The stream is a sequence of chunks:
 * a control byte below 32 starts a literal run of control+1 bytes; otherwise its top three
 * bits give a match length (7 = read one more length byte) and its low five bits plus the next
 * byte a distance back into the output (1..8192). Matches copy length+2 bytes, possibly
 * overlapping what they produce.
 *
 * Both directions are WebAssembly (kernels.ts, ../assembly/lzf.ts). On the bench's text values
 * they compress at 2-2.6x and decompress at 2x the speed of the same loops in JavaScript, and
 * compression is a snapshot's costliest step.
 */

/**
 * RDB strings are compressed after the fact: the writer lays every compressible string (over
 * 20 bytes) out raw and notes where it is, and a chunk's strings are compressed later, in
 * place, on the thread that has time for it (a worker for a background snapshot). The rules
 * are Redis's: compress only when it saves at least 4 bytes.
 *
 * A chunk's spans are triples in an Int32Array: the offset of the string's length header,
 * the header's size, and the string's size (the layout the kernel compressSpans reads).
 */
export const SPAN_FIELDS = 3;

/** Where a call's output goes in the kernels' memory: after its input, aligned. */
function after(kernel: Kernels, inputLength: number): number {
  return align(kernel.base + inputLength);
}

/**
 * Compresses the spans of chunk[0, length) in place and returns the chunk's new length. A
 * string is replaced by its LZF form only when that is at least 4 bytes shorter and takes no
 * more room than the raw form, so the output never overtakes the input.
 */
export function compressSpans(chunk: Uint8Array, length: number, spans: Int32Array, spanCount: number): number {
  const kernel = kernels();
  // The spans, then the chunk, then room for its largest string compressed.
  const fields = spanCount * SPAN_FIELDS;
  const chunkAt = after(kernel, fields * 4);
  const scratchAt = align(chunkAt + length);
  kernel.reserve(scratchAt - kernel.base + length);
  kernel.words.set(spans.subarray(0, fields), kernel.base >> 2);
  kernel.bytes.set(chunk.subarray(0, length), chunkAt);
  const packed = kernel.exports.compressSpans(chunkAt, length, kernel.base, spanCount, scratchAt);
  chunk.set(kernel.bytes.subarray(chunkAt, chunkAt + packed));
  releaseKernels(kernel);
  return packed;
}

/**
 * Compresses source[start, start + length) into output[0, limit); returns the compressed
 * length, or 0 when it does not fit (callers pass a limit below the input length to demand a
 * gain).
 */
export function lzfCompress(source: Uint8Array, start: number, length: number, output: Uint8Array, limit: number): number {
  const kernel = kernels();
  const room = Math.max(0, Math.min(limit, output.length));
  const outputAt = after(kernel, length);
  kernel.reserve(outputAt - kernel.base + room);
  kernel.bytes.set(source.subarray(start, start + length), kernel.base);
  const packed = kernel.exports.compress(kernel.base, length, outputAt, room);
  output.set(kernel.bytes.subarray(outputAt, outputAt + packed));
  releaseKernels(kernel);
  return packed;
}

/**
 * Decompresses into exactly `length` bytes; null when the stream is invalid or the size
 * differs. With `into` (at least `length` bytes) the result is a view of it, which saves an
 * allocation per string when the caller consumes it at once.
 */
export function lzfDecompress(input: Uint8Array, length: number, into?: Buffer): Buffer | null {
  const output = into === undefined ? Buffer.allocUnsafe(length) : into.subarray(0, length);
  const kernel = kernels();
  const outputAt = after(kernel, input.length);
  kernel.reserve(outputAt - kernel.base + length);
  kernel.bytes.set(input, kernel.base);
  const valid = kernel.exports.decompress(kernel.base, input.length, outputAt, length) === length;
  if (valid) output.set(kernel.bytes.subarray(outputAt, outputAt + length));
  releaseKernels(kernel);
  return valid ? output : null;
}
