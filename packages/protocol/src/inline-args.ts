/**
 * Splits an inline request line the way redis-server does: whitespace separates arguments,
 * "double quotes" understand \n \r \t \b \a \xHH and \<any>, 'single quotes' understand \',
 * and a closing quote must be followed by whitespace or the end of the line.
 *
 * The line is treated as a C string, so it ends at the first NUL byte, as it does in Redis.
 * Returns null when the quotes are unbalanced.
 */
export function splitInlineArgs(line: Buffer, start: number, end: number): string[] | null {
  const nul = line.indexOf(0, start);
  if (nul !== -1 && nul < end) end = nul;
  const args: string[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(line[p])) p++;
    if (p >= end) return args;
    let inDouble = false;
    let inSingle = false;
    let current = '';
    for (;;) {
      const c = p < end ? line[p] : 0;
      if (inDouble) {
        if (c === 0x5c && p + 3 < end && line[p + 1] === 0x78 && isHex(line[p + 2]) && isHex(line[p + 3])) {
          current += String.fromCharCode(hexValue(line[p + 2]) * 16 + hexValue(line[p + 3]));
          p += 4;
          continue;
        }
        if (c === 0x5c && p + 1 < end) {
          current += String.fromCharCode(unescape(line[p + 1]));
          p += 2;
          continue;
        }
        if (c === 0x22) {
          if (p + 1 < end && !isSpace(line[p + 1])) return null;
          p++;
          break;
        }
        if (c === 0) return null;
        current += String.fromCharCode(c);
        p++;
      } else if (inSingle) {
        if (c === 0x5c && p + 1 < end && line[p + 1] === 0x27) {
          current += "'";
          p += 2;
          continue;
        }
        if (c === 0x27) {
          if (p + 1 < end && !isSpace(line[p + 1])) return null;
          p++;
          break;
        }
        if (c === 0) return null;
        current += String.fromCharCode(c);
        p++;
      } else {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0) {
          if (p < end) p++;
          break;
        }
        if (c === 0x22) inDouble = true;
        else if (c === 0x27) inSingle = true;
        else current += String.fromCharCode(c);
        p++;
      }
    }
    args.push(current);
  }
}

/** C isspace(): space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexValue(c: number): number {
  if (c <= 0x39) return c - 0x30;
  if (c >= 0x61) return c - 0x61 + 10;
  return c - 0x41 + 10;
}

function unescape(c: number): number {
  switch (c) {
    case 0x6e: return 0x0a; // n
    case 0x72: return 0x0d; // r
    case 0x74: return 0x09; // t
    case 0x62: return 0x08; // b
    case 0x61: return 0x07; // a
    default: return c;
  }
}
