import { describe, expect, it } from 'vitest';
import { addLongDouble, formatLongDouble, parseLongDouble } from './long-double.js';
import { parseDouble, parseInteger, strtod } from './numbers.js';

describe('parseInteger (string2ll)', () => {
  it.each([
    ['0', 0],
    ['-1', -1],
    ['9007199254740991', 9007199254740991],
    ['123', 123],
  ])('accepts %s', (text, value) => expect(parseInteger(text)).toBe(value));

  it.each(['', '-', '+1', '01', '-0', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', '123456789012345678901'])(
    'rejects %j',
    (text) => expect(parseInteger(text)).toBeNaN(),
  );
});

describe('parseDouble (string2d)', () => {
  it.each([
    ['1.5', 1.5],
    ['-inf', -Infinity],
    ['+Infinity', Infinity],
    ['1e3', 1000],
    ['0x10', 16],
    ['.5', 0.5],
    ['5.', 5],
    ['-0', -0],
  ])('accepts %s', (text, value) => expect(parseDouble(text)).toBe(value));

  it.each(['', ' 1', '1 ', 'nan', 'abc', '1e400', '1e-400', '1e', '0b1', '1\u00002'])('rejects %j', (text) => {
    expect(parseDouble(text)).toBeNaN();
  });

  it('reads the longest valid prefix like strtod', () => {
    expect(strtod('  12.5abc')).toMatchObject({ value: 12.5, end: 6 });
    expect(strtod('')).toMatchObject({ value: 0, end: 0 });
    expect(strtod('1e400').range).toBe(true);
  });
});

describe('long double arithmetic (INCRBYFLOAT)', () => {
  // Expected values read from redis-server 7.0.15 on x86_64.
  it.each([
    ['0.1', '0.2', '0.3'],
    ['10.5', '0.1', '10.6'],
    ['0', '0.000003814697265625', '0.00000381469726562'],
    ['5.0e3', '2.0e2', '5200'],
    ['1', '-1', '0'],
    ['3.0', '1e-20', '3'],
    ['0x10', '0.5', '16.5'],
    ['-5', '0.25', '-4.75'],
    ['17179869184', '0.1', '17179869184.09999999962747097'],
    ['1.1', '2.2', '3.3'],
    ['123456789.123456789', '0', '123456789.12345678899873747'],
    [
      '1e300',
      '1e300',
      '2000000000000000000017994648159118387741047888546581495876520164642531293192361871511698304167500994380700745017228549671807185112369345967826192521041497292574654271283687306588168510215212033579453305864740061102765895241989080589545563779241212358535223254194821301134374772211380178849830208012288',
    ],
  ])('%s + %s = %s', (a, b, sum) => {
    expect(formatLongDouble(addLongDouble(parseLongDouble(a)!, parseLongDouble(b)!))).toBe(sum);
  });

  it.each(['abc', ' 1', '1e5000', 'nan', '', '1\u0000'])('rejects %j', (text) => expect(parseLongDouble(text)).toBeNull());

  it('accepts infinity literally, which INCRBYFLOAT then refuses as a result', () => {
    expect(parseLongDouble('inf')?.infinite).toBe(true);
  });
});
