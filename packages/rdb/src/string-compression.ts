import { lengthSize, SPECIAL_ENCODING, StringEncoding, writeLength } from './format.js';
import { lzfCompress } from './lzf.js';

/**
 * RDB strings are LZF-compressed after the fact: the writer lays every compressible string
 * (over 20 bytes) out raw and notes where it is, and a chunk's strings are compressed later,
 * in place, on the thread that has time for it (a worker for a background snapshot). The
 * rules are Redis's: compress only when it saves at least 4 bytes.
 *
 * A chunk's spans are triples in an Int32Array: the offset of the string's length header,
 * the header's size, and the string's size.
 */
export const SPAN_FIELDS = 3;
const LZF_ENCODING = SPECIAL_ENCODING | StringEncoding.lzf;
const COMPRESSION_GAIN = 4;

let scratch = new Uint8Array(64 * 1024);

/**
 * Compresses the spans of chunk[0, length) in place and returns the chunk's new length. A
 * string is replaced by its LZF form only when that is at least 4 bytes shorter and takes no
 * more room than the raw form, so the output never overtakes the input.
 */
export function compressSpans(chunk: Uint8Array, length: number, spans: Int32Array, spanCount: number): number {
  let out = 0;
  let at = 0;
  for (let i = 0; i < spanCount * SPAN_FIELDS; i += SPAN_FIELDS) {
    const offset = spans[i];
    const header = spans[i + 1];
    const size = spans[i + 2];
    if (out !== at) chunk.copyWithin(out, at, offset);
    out += offset - at;
    at = offset + header + size;
    const limit = size - COMPRESSION_GAIN;
    if (scratch.length < limit) scratch = new Uint8Array(Math.max(limit, scratch.length * 2));
    const packed = lzfCompress(chunk, offset + header, size, scratch, limit);
    const packedRecord = packed === 0 ? Infinity : 1 + lengthSize(packed) + lengthSize(size) + packed;
    if (packedRecord <= header + size) {
      chunk[out] = LZF_ENCODING;
      out = writeLength(chunk, out + 1, packed);
      out = writeLength(chunk, out, size);
      chunk.set(scratch.subarray(0, packed), out);
      out += packed;
    } else {
      if (out !== offset) chunk.copyWithin(out, offset, at);
      out += header + size;
    }
  }
  if (out !== at) chunk.copyWithin(out, at, length);
  return out + (length - at);
}
