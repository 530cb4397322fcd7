/**
 * MONITOR lines: `+<seconds>.<micros> [<db> <client address>] "arg" "arg"`, the arguments
 * quoted the way Redis's sdscatrepr quotes them.
 */
export function monitorLine(now: number, db: number, where: string, argv: readonly string[]): string {
  const seconds = Math.floor(now / 1000);
  const micros = String((now % 1000) * 1000).padStart(6, '0');
  return `${seconds}.${micros} [${db} ${where}] ${argv.map(quoteArgument).join(' ')}`;
}

export function quoteArgument(arg: string): string {
  let out = '"';
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    switch (c) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default:
        out += c >= 0x20 && c < 0x7f ? arg[i] : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}
