// CRC-64/Jones (see ../src/crc64.ts), in WebAssembly: the 64-bit state is one native integer
// here, where JavaScript needs two 32-bit halves and twice the table lookups' arithmetic.

const POLY: u64 = 0x95ac9329ac4bc9b5;
const SLICES: i32 = 8;

/** tables[k * 256 + b]: the CRC contribution of byte b placed k bytes before a step's end. */
const tables: usize = memory.data(SLICES * 256 * 8);
let built = false;

function buildTables(): void {
  for (let byte: i32 = 0; byte < 256; byte++) {
    let crc = <u64>byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ POLY : crc >> 1;
    store<u64>(tables + (<usize>byte << 3), crc);
  }
  for (let at: i32 = 256; at < SLICES * 256; at++) {
    // One more zero byte through the register.
    const previous = load<u64>(tables + (<usize>(at - 256) << 3));
    store<u64>(tables + (<usize>at << 3), (previous >> 8) ^ load<u64>(tables + (<usize>(previous & 0xff) << 3)));
  }
  built = true;
}

// @ts-ignore: decorator
@inline
function entry(slice: i32, byte: u64): u64 {
  return load<u64>(tables + (<usize>(slice * 256) << 3) + (<usize>byte << 3));
}

/** The CRC after data[0, length), from `crc` before it (slicing-by-8, little-endian words). */
export function crc64(crc: u64, data: usize, length: i32): u64 {
  if (!built) buildTables();
  let i: i32 = 0;
  for (; i + 8 <= length; i += 8) {
    const word = crc ^ load<u64>(data + <usize>i);
    crc =
      entry(7, word & 0xff) ^ entry(6, (word >> 8) & 0xff) ^ entry(5, (word >> 16) & 0xff) ^ entry(4, (word >> 24) & 0xff) ^
      entry(3, (word >> 32) & 0xff) ^ entry(2, (word >> 40) & 0xff) ^ entry(1, (word >> 48) & 0xff) ^ entry(0, word >> 56);
  }
  for (; i < length; i++) crc = entry(0, (crc ^ <u64>load<u8>(data + <usize>i)) & 0xff) ^ (crc >> 8);
  return crc;
}
