/**
 * Number parsing and formatting with redis-server's exact rules. Clients see these rules in
 * which arguments are accepted and in how stored numbers print, so they follow Redis's
 * string2ll / strtod / ll2string behaviour rather than JavaScript's Number().
 */

const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

/**
 * Redis's string2ll: optional '-', digits without leading zeros, at most 20 characters, within
 * the signed 64-bit range. Returns NaN when invalid. Values beyond 2^53 come back rounded, which
 * is exact enough for counts, indexes and positions; arithmetic uses parseInt64.
 */
export function parseInteger(text: string): number {
  const length = text.length;
  if (length === 0 || length >= 21) return NaN;
  let p = 0;
  let negative = false;
  if (text.charCodeAt(0) === 0x2d) {
    if (length === 1) return NaN;
    negative = true;
    p = 1;
  }
  let c = text.charCodeAt(p);
  if (c === 0x30) return length === 1 ? 0 : NaN;
  if (c < 0x31 || c > 0x39) return NaN;
  let value = c - 0x30;
  for (p++; p < length; p++) {
    c = text.charCodeAt(p);
    if (c < 0x30 || c > 0x39) return NaN;
    value = value * 10 + (c - 0x30);
  }
  if (value > 9.2e18) {
    const exact = BigInt(text);
    if (exact > MAX_INT64 || exact < MIN_INT64) return NaN;
  }
  return negative ? -value : value;
}

/** string2ll with an exact result: a number when it is a safe integer, a bigint otherwise. */
export function parseInt64(text: string): number | bigint | null {
  const value = parseInteger(text);
  if (Number.isNaN(value)) return null;
  if (Number.isSafeInteger(value)) return value;
  return BigInt(text);
}

/** True when the string is what Redis would store as an integer (canonical, 64-bit). */
export function isCanonicalInteger(text: string): boolean {
  return !Number.isNaN(parseInteger(text));
}

/** Adds two 64-bit integers; null on overflow ("increment or decrement would overflow"). */
export function addInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  const sum = BigInt(a) + BigInt(b);
  if (sum > MAX_INT64 || sum < MIN_INT64) return null;
  return sum >= -9007199254740991n && sum <= 9007199254740991n ? Number(sum) : sum;
}

/** Decimal text of an integer that may be a bigint. */
export function int64ToString(value: number | bigint): string {
  return typeof value === 'number' ? String(value) : value.toString();
}

/** What C's strtod consumed: the value and the index just past the last character it used. */
export interface StrtodResult {
  value: number;
  end: number;
  /** strtod set ERANGE: the result overflowed to infinity or underflowed. */
  range: boolean;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/;
const INFINITY = /^[+-]?(?:infinity|inf)/i;
const NAN = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?/i;

/**
 * C strtod over a string that ends at its first NUL (as the C string does): skips leading
 * whitespace, then reads the longest prefix that is a decimal or hex float, inf/infinity or nan.
 */
export function strtod(input: string): StrtodResult {
  const nul = input.indexOf('\0');
  const text = nul === -1 ? input : input.slice(0, nul);
  let start = 0;
  while (start < text.length && isCSpace(text.charCodeAt(start))) start++;
  const rest = text.slice(start);

  let match = HEX.exec(rest);
  if (match !== null && /[0-9a-fA-F]/.test(match[2])) {
    const value = hexFloat(match[1] === '-', match[2], match[3] === undefined ? 0 : Number(match[3]));
    return { value, end: start + match[0].length, range: !Number.isFinite(value) || (value === 0 && /[1-9a-fA-F]/.test(match[2])) };
  }
  match = INFINITY.exec(rest);
  if (match !== null) {
    return { value: match[0].startsWith('-') ? -Infinity : Infinity, end: start + match[0].length, range: false };
  }
  match = NAN.exec(rest);
  if (match !== null) return { value: NaN, end: start + match[0].length, range: false };
  match = DECIMAL.exec(rest);
  if (match !== null) {
    const literal = match[0];
    const value = Number(literal);
    const mantissa = literal.replace(/[eE].*$/, '');
    const range = !Number.isFinite(value) || (value === 0 && /[1-9]/.test(mantissa));
    return { value, end: start + literal.length, range };
  }
  return { value: 0, end: 0, range: false };
}

/**
 * Redis's string2d, used for scores and float arguments: the whole string must be a number,
 * no leading space, no overflow or underflow to zero, not NaN. Returns NaN when invalid.
 */
export function parseDouble(text: string): number {
  if (text.length === 0 || isCSpace(text.charCodeAt(0))) return NaN;
  const fast = Number(text);
  // Plain decimals ("1.5", "-3", "2e10") are the common case and Number() reads them exactly
  // as strtod does; everything else takes the careful path.
  if (Number.isFinite(fast) && fast !== 0 && PLAIN_DECIMAL.test(text)) return fast;
  const result = strtod(text);
  if (result.end !== text.length || Number.isNaN(result.value)) return NaN;
  if (result.range && (result.value === 0 || !Number.isFinite(result.value))) return NaN;
  return result.value;
}

const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** C isspace(). */
export function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexFloat(negative: boolean, digits: string, binaryExponent: number): number {
  const point = digits.indexOf('.');
  const fractionDigits = point === -1 ? 0 : digits.length - point - 1;
  let mantissa = BigInt('0x' + (digits.replace('.', '') || '0'));
  let exponent = binaryExponent - 4 * fractionDigits;
  // Keep 64 significant bits plus a sticky bit so that Number() rounds once, correctly.
  const bits = mantissa.toString(2).length;
  if (bits > 64) {
    const drop = BigInt(bits - 64);
    const sticky = (mantissa & ((1n << drop) - 1n)) !== 0n ? 1n : 0n;
    mantissa = (mantissa >> drop) | sticky;
    exponent += bits - 64;
  }
  let value = Number(mantissa);
  // Scale in steps so that intermediate powers of two stay representable.
  while (exponent > 0 && Number.isFinite(value)) {
    const step = Math.min(exponent, 1000);
    value *= 2 ** step;
    exponent -= step;
  }
  while (exponent < 0 && value !== 0) {
    const step = Math.min(-exponent, 1000);
    value /= 2 ** step;
    exponent += step;
  }
  return negative ? -value : value;
}
