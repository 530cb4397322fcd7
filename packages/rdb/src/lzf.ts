/**
 * LZF, the compression RDB strings use (encoding 0xC3). The stream is a sequence of chunks:
 * a control byte below 32 starts a literal run of control+1 bytes; otherwise its top three
 * bits give a match length (7 = read one more length byte) and its low five bits plus the next
 * byte a distance back into the output (1..8192). Matches copy length+2 bytes, possibly
 * overlapping what they produce.
 */
const HASH_BITS = 16;
const MAX_LITERAL = 32;
const MAX_OFFSET = 8192;
const MAX_MATCH = 264;

/** Positions of 3-byte sequences, shared by all calls; entries from older calls are < `base`. */
const table = new Int32Array(1 << HASH_BITS);
let base = 1;

/**
 * Compresses input[start, start + length) into output[0, limit); returns the compressed
 * length, or 0 when it does not fit (callers pass a limit below the input length to demand a
 * gain).
 */
export function lzfCompress(source: Uint8Array, start: number, length: number, output: Uint8Array, limit: number): number {
  const inputEnd = length;
  const outputEnd = Math.min(limit, output.length);
  if (inputEnd < 4 || outputEnd < 2) return 0;
  if (base > 0x3fffffff - inputEnd) {
    table.fill(0);
    base = 1;
  }
  // Positions are relative to `start`; a view keeps the loop's indexing simple.
  const input = start === 0 && length === source.length ? source : source.subarray(start, start + length);
  const origin = base;
  base += inputEnd + 1;

  let ip = 0;
  let op = 1; // output[0] is the control byte of the first literal run
  let literals = 0;
  // The next three input bytes, updated one byte at a time.
  let window = (input[0] << 8) | input[1];
  // The last two bytes cannot start a match: they always go out as literals.
  const matchEnd = inputEnd - 2;
  while (ip < inputEnd) {
    if (ip < matchEnd) {
      window = ((window << 8) | input[ip + 2]) & 0xffffff;
      const hash = Math.imul(window, 0x9e3779b1) >>> (32 - HASH_BITS);
      const stored = table[hash];
      table[hash] = origin + ip;
      const ref = stored >= origin ? stored - origin : -1;
      const distance = ip - ref - 1;
      if (
        ref >= 0 &&
        distance < MAX_OFFSET &&
        input[ref] === input[ip] &&
        input[ref + 1] === input[ip + 1] &&
        input[ref + 2] === input[ip + 2]
      ) {
        const maxLength = Math.min(inputEnd - ip, MAX_MATCH);
        let length = 3;
        while (length < maxLength && input[ref + length] === input[ip + length]) length++;
        if (op + 4 >= outputEnd) return 0;
        // Close the literal run before the match (or drop its unused control byte).
        if (literals > 0) output[op - literals - 1] = literals - 1;
        else op--;
        const code = length - 2;
        if (code < 7) {
          output[op++] = (distance >>> 8) + (code << 5);
        } else {
          output[op++] = (distance >>> 8) + (7 << 5);
          output[op++] = code - 7;
        }
        output[op++] = distance & 0xff;
        op++; // control byte of the next literal run
        literals = 0;
        ip += length;
        if (ip < matchEnd) window = (input[ip] << 8) | input[ip + 1];
        continue;
      }
    }
    if (op >= outputEnd) return 0;
    output[op++] = input[ip++];
    if (++literals === MAX_LITERAL) {
      output[op - literals - 1] = literals - 1;
      literals = 0;
      op++;
    }
  }
  if (literals > 0) output[op - literals - 1] = literals - 1;
  else op--;
  return op;
}

/**
 * Decompresses into exactly `length` bytes; null when the stream is invalid or the size
 * differs. With `into` (at least `length` bytes) the result is a view of it, which saves an
 * allocation per string when the caller consumes it at once.
 */
export function lzfDecompress(input: Uint8Array, length: number, into?: Buffer): Buffer | null {
  const output = into === undefined ? Buffer.allocUnsafe(length) : into.subarray(0, length);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const control = input[ip++];
    if (control < MAX_LITERAL) {
      const run = control + 1;
      if (op + run > length || ip + run > input.length) return null;
      for (let i = 0; i < run; i++) output[op++] = input[ip++];
      continue;
    }
    let matchLength = control >>> 5;
    if (matchLength === 7) {
      if (ip >= input.length) return null;
      matchLength += input[ip++];
    }
    if (ip >= input.length) return null;
    const ref = op - ((control & 0x1f) << 8) - 1 - input[ip++];
    matchLength += 2;
    if (ref < 0 || op + matchLength > length) return null;
    for (let i = 0; i < matchLength; i++) output[op++] = output[ref + i];
  }
  return op === length ? output : null;
}
