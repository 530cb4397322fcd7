// LZF for RDB strings, in WebAssembly (see ../src/lzf.ts for the format). Compression is a
// snapshot's costliest step, and runs 2-2.6x as fast here as the same loop in JavaScript;
// decompression, at load, twice as fast.

const HASH_BITS: u32 = 16;
const MAX_LITERAL: i32 = 32;
const MAX_OFFSET: i32 = 8192;
const MAX_MATCH: i32 = 264;
const LZF_ENCODING: u8 = 0xc3;
const COMPRESSION_GAIN: i32 = 4;
const SPAN_FIELDS: i32 = 3;

/** Positions of 3-byte sequences, shared by all calls; entries from older calls are < `base`. */
const table: usize = memory.data(4 << HASH_BITS);
let base: i32 = 1;

/**
 * Compresses input[0, inputEnd) into output[0, limit); returns the compressed length, or 0
 * when it does not fit. The two ranges must not overlap.
 */
export function compress(input: usize, inputEnd: i32, output: usize, limit: i32): i32 {
  if (inputEnd < 4 || limit < 2) return 0;
  if (base > 0x3fffffff - inputEnd) {
    memory.fill(table, 0, 4 << HASH_BITS);
    base = 1;
  }
  const origin = base;
  base += inputEnd + 1;

  let ip: i32 = 0;
  let op: i32 = 1; // output[0] is the control byte of the first literal run
  let literals: i32 = 0;
  // The next three input bytes, updated one byte at a time.
  let window: u32 = (<u32>load<u8>(input) << 8) | <u32>load<u8>(input + 1);
  // The last two bytes cannot start a match: they always go out as literals.
  const matchEnd = inputEnd - 2;
  while (ip < inputEnd) {
    if (ip < matchEnd) {
      window = ((window << 8) | <u32>load<u8>(input + <usize>ip + 2)) & 0xffffff;
      const slot = table + (<usize>((window * 0x9e3779b1) >>> (32 - HASH_BITS)) << 2);
      const stored = load<i32>(slot);
      store<i32>(slot, origin + ip);
      const ref = stored >= origin ? stored - origin : -1;
      const distance = ip - ref - 1;
      if (ref >= 0 && distance < MAX_OFFSET && (load<u32>(input + <usize>ref) & 0xffffff) == (load<u32>(input + <usize>ip) & 0xffffff)) {
        const maxLength = min(inputEnd - ip, MAX_MATCH);
        let length = matchLength(input + <usize>ref, input + <usize>ip, maxLength);
        if (op + 4 >= limit) return 0;
        // Close the literal run before the match (or drop its unused control byte).
        if (literals > 0) store<u8>(output + <usize>(op - literals - 1), <u8>(literals - 1));
        else op--;
        const code = length - 2;
        if (code < 7) {
          store<u8>(output + <usize>op, <u8>((distance >>> 8) + (code << 5)));
          op++;
        } else {
          store<u8>(output + <usize>op, <u8>((distance >>> 8) + (7 << 5)));
          store<u8>(output + <usize>op + 1, <u8>(code - 7));
          op += 2;
        }
        store<u8>(output + <usize>op, <u8>distance);
        op += 2; // and the control byte of the next literal run
        literals = 0;
        ip += length;
        if (ip < matchEnd) window = (<u32>load<u8>(input + <usize>ip) << 8) | <u32>load<u8>(input + <usize>ip + 1);
        continue;
      }
    }
    if (op >= limit) return 0;
    store<u8>(output + <usize>op, load<u8>(input + <usize>ip));
    op++;
    ip++;
    if (++literals == MAX_LITERAL) {
      store<u8>(output + <usize>(op - literals - 1), <u8>(literals - 1));
      literals = 0;
      op++;
    }
  }
  if (literals > 0) store<u8>(output + <usize>(op - literals - 1), <u8>(literals - 1));
  else op--;
  return op;
}

/** How many bytes at `ref` and `at` agree, from the 3 already known up to `maxLength`. */
// @ts-ignore: decorator
@inline
function matchLength(ref: usize, at: usize, maxLength: i32): i32 {
  let length: i32 = 3;
  // Eight bytes at a time while all eight are within the match's reach.
  while (length + 8 <= maxLength) {
    const diff = load<u64>(ref + <usize>length) ^ load<u64>(at + <usize>length);
    if (diff != 0) return length + <i32>(ctz(diff) >> 3);
    length += 8;
  }
  while (length < maxLength && load<u8>(ref + <usize>length) == load<u8>(at + <usize>length)) length++;
  return length;
}

/** Bytes an RDB length takes (see ../src/format.ts): lengths here are below 2^32. */
// @ts-ignore: decorator
@inline
function lengthSize(length: i32): i32 {
  return length < 64 ? 1 : length < 16384 ? 2 : 5;
}

function writeLength(at: usize, length: i32): usize {
  if (length < 64) {
    store<u8>(at, <u8>length);
    return at + 1;
  }
  if (length < 16384) {
    store<u8>(at, <u8>(0x40 | (length >>> 8)));
    store<u8>(at + 1, <u8>length);
    return at + 2;
  }
  store<u8>(at, 0x80);
  store<u32>(at + 1, bswap<u32>(<u32>length));
  return at + 5;
}

/**
 * Compresses the strings of chunk[0, length) in place, as ../src/lzf.ts describes, and
 * returns the chunk's new length. `spans` holds spanCount (offset, header, size) triples of
 * i32; `scratch` has room for the largest string.
 */
export function compressSpans(chunk: usize, length: i32, spans: usize, spanCount: i32, scratch: usize): i32 {
  let out: i32 = 0;
  let at: i32 = 0;
  for (let i: i32 = 0; i < spanCount; i++) {
    const span = spans + <usize>(i * SPAN_FIELDS * 4);
    const offset = load<i32>(span);
    const header = load<i32>(span, 4);
    const size = load<i32>(span, 8);
    if (out != at) memory.copy(chunk + <usize>out, chunk + <usize>at, <usize>(offset - at));
    out += offset - at;
    at = offset + header + size;
    const packed = compress(chunk + <usize>(offset + header), size, scratch, size - COMPRESSION_GAIN);
    if (packed > 0 && 1 + lengthSize(packed) + lengthSize(size) + packed <= header + size) {
      store<u8>(chunk + <usize>out, LZF_ENCODING);
      let write = writeLength(chunk + <usize>out + 1, packed);
      write = writeLength(write, size);
      memory.copy(write, scratch, <usize>packed);
      out = <i32>(write - chunk) + packed;
    } else {
      if (out != offset) memory.copy(chunk + <usize>out, chunk + <usize>offset, <usize>(header + size));
      out += header + size;
    }
  }
  if (out != at) memory.copy(chunk + <usize>out, chunk + <usize>at, <usize>(length - at));
  return out + (length - at);
}

/**
 * Decompresses input[0, inputLength) into exactly `length` bytes at `output`; returns
 * `length`, or -1 when the stream is invalid or expands to another size.
 */
export function decompress(input: usize, inputLength: i32, output: usize, length: i32): i32 {
  let ip: i32 = 0;
  let op: i32 = 0;
  while (ip < inputLength) {
    const control = <i32>load<u8>(input + <usize>ip);
    ip++;
    if (control < MAX_LITERAL) {
      const run = control + 1;
      if (op + run > length || ip + run > inputLength) return -1;
      memory.copy(output + <usize>op, input + <usize>ip, <usize>run);
      op += run;
      ip += run;
      continue;
    }
    let matchLength = control >>> 5;
    if (matchLength == 7) {
      if (ip >= inputLength) return -1;
      matchLength += <i32>load<u8>(input + <usize>ip);
      ip++;
    }
    if (ip >= inputLength) return -1;
    const ref = op - ((control & 0x1f) << 8) - 1 - <i32>load<u8>(input + <usize>ip);
    ip++;
    matchLength += 2;
    if (ref < 0 || op + matchLength > length) return -1;
    if (op - ref >= matchLength) {
      memory.copy(output + <usize>op, output + <usize>ref, <usize>matchLength);
    } else {
      // The match overlaps what it produces (a run): byte by byte, as the format means it.
      for (let i: i32 = 0; i < matchLength; i++) store<u8>(output + <usize>(op + i), load<u8>(output + <usize>(ref + i)));
    }
    op += matchLength;
  }
  return op == length ? op : -1;
}
