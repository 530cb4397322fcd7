import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';

describe('globMatch', () => {
  it.each([
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['*a*b*c*', 'xaybzc', true],
    ['a*', '', false],
    // As in Redis: an empty string matches no pattern; KEYS and SCAN special-case a lone '*'.
    ['*', '', false],
    ['[abc', 'a', true],
    ['key:\u00ff*', 'key:\u00ffz', true],
    ['[\u0080-\u00ff]', '\u00c0', true],
  ])('%j matches %j: %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it('gives up quickly on pathological patterns', () => {
    const started = Date.now();
    expect(globMatch('a*'.repeat(30) + 'b', 'a'.repeat(60))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('matches case-insensitively when asked', () => {
    expect(globMatch('HeLLo', 'hello', true)).toBe(true);
    expect(globMatch('h[A-Z]llo', 'hello', true)).toBe(true);
  });
});
