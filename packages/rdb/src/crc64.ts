/**
 * CRC-64/Jones as Redis computes it over RDB files: reflected polynomial 0x95ac9329ac4bc9b5,
 * initial value 0, no final xor. crc64("123456789") = 0xe9c6d914c4b8d9ca.
 *
 * The 64-bit state is kept as two 32-bit halves (BigInt per byte would be far too slow for
 * gigabyte snapshots), and sixteen tables let the update consume 16 bytes per step
 * (slicing-by-16), read as four 32-bit words. The tables sit end to end in one array per half:
 * 800-930 MB per CPU second here, against 470-520 with eight tables and 340 byte by byte.
 */
const POLY_HIGH = 0x95ac9329;
const POLY_LOW = 0xac4bc9b5;
const SLICES = 16;

/**
 * high[k * 256 + b], low[k * 256 + b]: the CRC contribution of byte b placed k bytes before the
 * end of a step.
 */
const high = new Uint32Array(SLICES * 256);
const low = new Uint32Array(SLICES * 256);

function buildTables(): void {
  for (let byte = 0; byte < 256; byte++) {
    let h = 0;
    let l = byte;
    for (let bit = 0; bit < 8; bit++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (carry !== 0) {
        h = (h ^ POLY_HIGH) >>> 0;
        l = (l ^ POLY_LOW) >>> 0;
      }
    }
    high[byte] = h;
    low[byte] = l;
  }
  for (let at = 256; at < SLICES * 256; at++) {
    // One more zero byte through the register: shift right 8, fold the low byte back in.
    const h = high[at - 256];
    const l = low[at - 256];
    const index = l & 0xff;
    high[at] = (h >>> 8) ^ high[index];
    low[at] = (((l >>> 8) | (h << 24)) ^ low[index]) >>> 0;
  }
}
buildTables();

/** Whether a Uint32Array reads bytes in the order the 16-byte step consumes them. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** An incremental CRC64 over a byte stream. */
export class Crc64 {
  private high = 0;
  private low = 0;

  update(data: Uint8Array): this {
    let h = this.high;
    let l = this.low;
    let i = 0;
    // Bytes up to a 4-byte boundary one at a time, so that the rest reads as 32-bit words.
    const lead = Math.min(data.length, (4 - (data.byteOffset & 3)) & 3);
    for (; i < lead; i++) {
      const index = (l ^ data[i]) & 0xff;
      l = (((l >>> 8) | (h << 24)) ^ low[index]) >>> 0;
      h = (h >>> 8) ^ high[index];
    }
    // On a big-endian machine the words would read backwards: the byte loop below does it all.
    const steps = LITTLE_ENDIAN ? ((data.length - i) / SLICES) | 0 : 0;
    if (steps > 0) {
      const words = new Uint32Array(data.buffer, data.byteOffset + i, steps * 4);
      for (let w = 0; w < words.length; w += 4) {
        const a = (l ^ words[w]) >>> 0;
        const b = (h ^ words[w + 1]) >>> 0;
        const c = words[w + 2];
        const d = words[w + 3];
        h =
          high[3840 + (a & 0xff)] ^ high[3584 + ((a >>> 8) & 0xff)] ^ high[3328 + ((a >>> 16) & 0xff)] ^ high[3072 + (a >>> 24)] ^
          high[2816 + (b & 0xff)] ^ high[2560 + ((b >>> 8) & 0xff)] ^ high[2304 + ((b >>> 16) & 0xff)] ^ high[2048 + (b >>> 24)] ^
          high[1792 + (c & 0xff)] ^ high[1536 + ((c >>> 8) & 0xff)] ^ high[1280 + ((c >>> 16) & 0xff)] ^ high[1024 + (c >>> 24)] ^
          high[768 + (d & 0xff)] ^ high[512 + ((d >>> 8) & 0xff)] ^ high[256 + ((d >>> 16) & 0xff)] ^ high[d >>> 24];
        l =
          (low[3840 + (a & 0xff)] ^ low[3584 + ((a >>> 8) & 0xff)] ^ low[3328 + ((a >>> 16) & 0xff)] ^ low[3072 + (a >>> 24)] ^
            low[2816 + (b & 0xff)] ^ low[2560 + ((b >>> 8) & 0xff)] ^ low[2304 + ((b >>> 16) & 0xff)] ^ low[2048 + (b >>> 24)] ^
            low[1792 + (c & 0xff)] ^ low[1536 + ((c >>> 8) & 0xff)] ^ low[1280 + ((c >>> 16) & 0xff)] ^ low[1024 + (c >>> 24)] ^
            low[768 + (d & 0xff)] ^ low[512 + ((d >>> 8) & 0xff)] ^ low[256 + ((d >>> 16) & 0xff)] ^ low[d >>> 24]) >>> 0;
      }
      i += steps * SLICES;
    }
    for (; i < data.length; i++) {
      const index = (l ^ data[i]) & 0xff;
      l = (((l >>> 8) | (h << 24)) ^ low[index]) >>> 0;
      h = (h >>> 8) ^ high[index];
    }
    this.high = h >>> 0;
    this.low = l;
    return this;
  }

  /** The CRC as 8 little-endian bytes, as the RDB trailer stores it. */
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32LE(this.low, 0);
    out.writeUInt32LE(this.high >>> 0, 4);
    return out;
  }

  value(): bigint {
    return (BigInt(this.high >>> 0) << 32n) | BigInt(this.low);
  }
}

export function crc64(data: Uint8Array): bigint {
  return new Crc64().update(data).value();
}
