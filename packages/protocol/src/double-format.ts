/**
 * Formats a double as C's printf("%.17g") does, which is how redis-server 7.0 prints scores and
 * other doubles: 17 significant digits, trailing zeros dropped, exponent form below 1e-4 or from
 * 1e17 up, infinities as "inf"/"-inf".
 *
 * toExponential(16) yields exactly 17 correctly rounded significant digits; a double's decimal
 * expansion can never end exactly on a tie at the 18th digit, so its tie rule cannot differ
 * from glibc's.
 */
export function formatDouble(value: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Number.isNaN(value)) return 'nan';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);

  const sign = value < 0 ? '-' : '';
  const exponential = Math.abs(value).toExponential(16);
  const ePos = exponential.indexOf('e');
  const digits = exponential[0] + exponential.slice(2, ePos);
  const exponent = Number(exponential.slice(ePos + 1));

  if (exponent < -4 || exponent >= 17) {
    const fraction = stripTrailingZeros(digits.slice(1));
    const mantissa = fraction.length > 0 ? `${digits[0]}.${fraction}` : digits[0];
    const expSign = exponent < 0 ? '-' : '+';
    const expDigits = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${mantissa}e${expSign}${expDigits}`;
  }
  if (exponent >= 0) {
    const integer = digits.slice(0, exponent + 1);
    const fraction = stripTrailingZeros(digits.slice(exponent + 1));
    return fraction.length > 0 ? `${sign}${integer}.${fraction}` : `${sign}${integer}`;
  }
  const fraction = stripTrailingZeros('0'.repeat(-exponent - 1) + digits);
  return `${sign}0.${fraction}`;
}

function stripTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 0x30) end--;
  return digits.slice(0, end);
}
