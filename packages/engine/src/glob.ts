const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

/**
 * Redis's glob-style matching (KEYS, SCAN MATCH, PSUBSCRIBE): `*`, `?`, `[abc]`, `[^a-z]`,
 * backslash escapes. Bytes compare as C's signed chars, so ranges across 0x80 behave as in
 * redis-server.
 */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  const state = { giveUp: false };
  return matchFrom(pattern, 0, text, 0, nocase, state);
}

function matchFrom(
  pattern: string,
  p: number,
  text: string,
  s: number,
  nocase: boolean,
  state: { giveUp: boolean },
): boolean {
  const patternEnd = pattern.length;
  const textEnd = text.length;
  while (p < patternEnd && s < textEnd) {
    const c = pattern.charCodeAt(p);
    if (c === STAR) {
      while (p + 1 < patternEnd && pattern.charCodeAt(p + 1) === STAR) p++;
      if (p + 1 === patternEnd) return true;
      for (; s < textEnd; s++) {
        if (matchFrom(pattern, p + 1, text, s, nocase, state)) return true;
        if (state.giveUp) return false;
      }
      // The rest of the pattern matched nowhere in the rest of the text; an outer '*' trying a
      // later start cannot do better.
      state.giveUp = true;
      return false;
    } else if (c === QUESTION) {
      s++;
    } else if (c === OPEN_BRACKET) {
      p++;
      const negate = p < patternEnd && pattern.charCodeAt(p) === CARET;
      if (negate) p++;
      let matched = false;
      const ch = signedByte(text.charCodeAt(s));
      for (;;) {
        if (p < patternEnd && pattern.charCodeAt(p) === BACKSLASH && patternEnd - p >= 2) {
          p++;
          if (pattern.charCodeAt(p) === text.charCodeAt(s)) matched = true;
        } else if (p < patternEnd && pattern.charCodeAt(p) === CLOSE_BRACKET) {
          break;
        } else if (p >= patternEnd) {
          p--;
          break;
        } else if (patternEnd - p >= 3 && pattern.charCodeAt(p + 1) === DASH) {
          let start = signedByte(pattern.charCodeAt(p));
          let end = signedByte(pattern.charCodeAt(p + 2));
          let value = ch;
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(start);
            end = lower(end);
            value = lower(value);
          }
          p += 2;
          if (value >= start && value <= end) matched = true;
        } else if (nocase ? lower(signedByte(pattern.charCodeAt(p))) === lower(ch) : pattern.charCodeAt(p) === text.charCodeAt(s)) {
          matched = true;
        }
        p++;
      }
      if (negate) matched = !matched;
      if (!matched) return false;
      s++;
    } else {
      if (c === BACKSLASH && patternEnd - p >= 2) p++;
      const pc = pattern.charCodeAt(p);
      const tc = text.charCodeAt(s);
      if (nocase ? lower(signedByte(pc)) !== lower(signedByte(tc)) : pc !== tc) return false;
      s++;
    }
    p++;
    if (s === textEnd) {
      while (p < patternEnd && pattern.charCodeAt(p) === STAR) p++;
      break;
    }
  }
  return p === patternEnd && s === textEnd;
}

/** A latin1 code as C's signed char. */
function signedByte(code: number): number {
  return code > 127 ? code - 256 : code;
}

/** C tolower() in the C locale: only ASCII letters change. */
function lower(value: number): number {
  return value >= 0x41 && value <= 0x5a ? value + 32 : value;
}
