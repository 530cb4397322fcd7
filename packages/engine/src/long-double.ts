import { isCSpace, strtod } from './numbers.js';

/**
 * The x87 80-bit long double that redis-server uses for INCRBYFLOAT and HINCRBYFLOAT: a 64-bit
 * significand, rounded half to even after every operation. Reproducing it exactly matters
 * because the result is stored as text: 0.1 + 0.2 is "0.3" in Redis, not 0.30000000000000004.
 *
 * A finite value is significand * 2^exponent, the significand normalised to exactly 64 bits
 * (or zero). Only parsing, addition and "%.17Lf" printing are needed.
 */
export interface LongDouble {
  readonly negative: boolean;
  readonly significand: bigint;
  readonly exponent: number;
  readonly infinite: boolean;
}

/** Exponent limits of an x87 long double with a 64-bit significand (about 3.6e-4951 to 1.19e4932). */
const MAX_EXPONENT = 16383 - 63;
const MIN_EXPONENT = -16382 - 63;

function finite(negative: boolean, significand: bigint, exponent: number): LongDouble {
  return { negative, significand, exponent, infinite: false };
}

function infinity(negative: boolean): LongDouble {
  return { negative, significand: 0n, exponent: 0, infinite: true };
}

const ZERO = finite(false, 0n, 0);

/**
 * Redis's string2ld: strtold must consume the whole text (so a NUL byte inside fails), no
 * leading space, no overflow, no underflow to zero, not NaN. Null when invalid.
 */
export function parseLongDouble(text: string): LongDouble | null {
  if (text.length === 0 || text.length >= 5 * 1024 || text.includes('\0')) return null;
  if (isCSpace(text.charCodeAt(0))) return null;
  const { value, end } = strtod(text);
  if (end !== text.length || Number.isNaN(value)) return null;
  if (!Number.isFinite(value) && /inf/i.test(text)) return infinity(value < 0);
  const decimal = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (decimal === null) {
    // A hex float: strtod's double is exact for the hex literals clients send (<= 53 bits).
    return Number.isFinite(value) ? longDoubleFromNumber(value) : null;
  }
  const [, sign, intDigits, fracDigits = '', exp = '0'] = decimal;
  const digits = BigInt((intDigits + fracDigits) || '0');
  return fromDecimal(sign === '-', digits, Number(exp) - fracDigits.length);
}

export function longDoubleFromNumber(value: number): LongDouble {
  if (!Number.isFinite(value)) return infinity(value < 0);
  if (value === 0) return finite(Object.is(value, -0), 0n, 0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  return round(value < 0, mantissa, exponent);
}

export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.infinite || b.infinite) {
    // inf - inf is NaN in C; callers reject any non-finite result, so infinity stands in.
    return a.infinite ? a : b;
  }
  if (a.significand === 0n) return b.significand === 0n ? ZERO : b;
  if (b.significand === 0n) return a;
  const exponent = Math.min(a.exponent, b.exponent);
  const sum = (signed(a) << BigInt(a.exponent - exponent)) + (signed(b) << BigInt(b.exponent - exponent));
  if (sum === 0n) return ZERO;
  return round(sum < 0n, sum < 0n ? -sum : sum, exponent);
}

/** printf("%.17Lf") with trailing zeros and a bare '.' removed, and "-0" printed as "0". */
export function formatLongDouble(value: LongDouble): string {
  if (value.infinite) return value.negative ? '-inf' : 'inf';
  const scale = 10n ** 17n;
  const scaled = value.exponent >= 0
    ? (value.significand << BigInt(value.exponent)) * scale
    : roundHalfEven(value.significand * scale, BigInt(-value.exponent));
  const fraction = (scaled % scale).toString().padStart(17, '0').replace(/0+$/, '');
  const text = `${value.negative ? '-' : ''}${scaled / scale}${fraction.length > 0 ? '.' + fraction : ''}`;
  return text === '-0' ? '0' : text;
}

/** The nearest double (for uses that need no more precision, such as timeouts). */
export function longDoubleToNumber(value: LongDouble): number {
  if (value.infinite) return value.negative ? -Infinity : Infinity;
  const magnitude = Number(value.significand) * 2 ** value.exponent;
  return value.negative ? -magnitude : magnitude;
}

function signed(value: LongDouble): bigint {
  return value.negative ? -value.significand : value.significand;
}

/** magnitude * 2^exponent rounded to a 64-bit significand, half to even. */
function round(negative: boolean, magnitude: bigint, exponent: number): LongDouble {
  const bits = magnitude.toString(2).length;
  let significand = magnitude;
  let e = exponent;
  if (bits > 64) {
    significand = roundHalfEven(magnitude, BigInt(bits - 64));
    e += bits - 64;
    if (significand >> 64n !== 0n) {
      significand >>= 1n;
      e += 1;
    }
  } else if (bits < 64) {
    significand = magnitude << BigInt(64 - bits);
    e -= 64 - bits;
  }
  if (e > MAX_EXPONENT) return infinity(negative);
  if (e < MIN_EXPONENT) return finite(negative, 0n, 0);
  return finite(negative, significand, e);
}

/** n / 2^shift rounded half to even. */
function roundHalfEven(n: bigint, shift: bigint): bigint {
  if (shift === 0n) return n;
  const quotient = n >> shift;
  const remainder = n - (quotient << shift);
  const half = 1n << (shift - 1n);
  if (remainder > half || (remainder === half && (quotient & 1n) === 1n)) return quotient + 1n;
  return quotient;
}

/**
 * digits * 10^exp10 as a long double; null on overflow, or when a non-zero input underflows to
 * zero (the strtold ERANGE cases Redis rejects).
 */
function fromDecimal(negative: boolean, digits: bigint, exp10: number): LongDouble | null {
  if (digits === 0n) return finite(negative, 0n, 0);
  // Far enough out, the result overflows or underflows whatever the digits are.
  const magnitude = digits.toString().length + exp10;
  if (magnitude > 4934 || magnitude < -4960) return null;
  let result: LongDouble;
  if (exp10 >= 0) {
    result = round(negative, digits * 10n ** BigInt(exp10), 0);
  } else {
    // Divide with at least 66 quotient bits and a sticky bit, so rounding happens once.
    const denominator = 10n ** BigInt(-exp10);
    const shift = Math.max(0, denominator.toString(2).length - digits.toString(2).length + 66);
    const numerator = digits << BigInt(shift);
    const quotient = numerator / denominator;
    const sticky = numerator % denominator !== 0n ? 1n : 0n;
    result = round(negative, (quotient << 1n) | sticky, -shift - 1);
  }
  if (result.infinite || result.significand === 0n) return null;
  return result;
}
