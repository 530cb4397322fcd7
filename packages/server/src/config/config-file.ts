import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { splitInlineArgs } from '@understudy/protocol';
import { ConfigValueError, type Directive } from './directives.js';
import { DIRECTIVES, directiveNamed, type ServerConfig } from './server-config.js';

/** A configuration problem that stops startup, located like Redis locates it. */
export class ConfigFileError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly text: string,
    readonly reason: string,
  ) {
    super(`${source}:${line}: ${reason} (>>> '${text}')`);
    this.name = 'ConfigFileError';
  }
}

/** One directive line: its text, where it came from, and its arguments. */
export interface ConfigLine {
  source: string;
  line: number;
  text: string;
  args: string[];
}

/** Splits redis.conf text into directive lines, skipping blanks and comments. */
export function parseConfigText(content: string, source: string): ConfigLine[] {
  const lines: ConfigLine[] = [];
  content.split('\n').forEach((raw, index) => {
    const text = raw.trim();
    if (text.length === 0 || text.startsWith('#')) return;
    const buffer = Buffer.from(text, 'latin1');
    const args = splitInlineArgs(buffer, 0, buffer.length);
    if (args === null) throw new ConfigFileError(source, index + 1, text, 'Unbalanced quotes in configuration line');
    if (args.length > 0) lines.push({ source, line: index + 1, text, args });
  });
  return lines;
}

/**
 * Turns `--port 7000 --save ""` into directive lines, as redis-server does: each `--name`
 * starts a directive and the arguments after it belong to it.
 */
export function commandLineDirectives(argv: readonly string[]): ConfigLine[] {
  const lines: ConfigLine[] = [];
  for (const arg of argv) {
    if (arg.startsWith('--') && arg.length > 2) {
      lines.push({ source: 'command line', line: lines.length + 1, text: arg.slice(2), args: [arg.slice(2)] });
    } else if (lines.length > 0) {
      const current = lines[lines.length - 1];
      current.args.push(arg);
      current.text += ` ${quote(arg)}`;
    } else {
      throw new ConfigFileError('command line', 1, arg, 'arguments must follow a --directive');
    }
  }
  return lines;
}

function quote(arg: string): string {
  return /^[^\s"']+$/.test(arg) ? arg : JSON.stringify(arg);
}

/**
 * Applies directive lines in order; the first bad one stops everything with its location.
 * Directives that merge (save) combine their lines, starting from the first one seen.
 */
export function applyConfigLines(config: ServerConfig, lines: readonly ConfigLine[]): void {
  const seen = new Set<string>();
  for (const line of lines) {
    const name = directiveNamed(line.args[0]);
    if (name === null) throw new ConfigFileError(line.source, line.line, line.text, 'Bad directive or wrong number of arguments');
    const directive = DIRECTIVES[name] as Directive<unknown>;
    const args = line.args.slice(1);
    if (directive.multiArg !== true && args.length !== 1) {
      throw new ConfigFileError(line.source, line.line, line.text, 'wrong number of arguments');
    }
    try {
      config.set(name, args, seen.has(name));
      seen.add(name);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      throw new ConfigFileError(line.source, line.line, line.text, error.message);
    }
  }
}

/** Reads `understudy-server [config-file] [--directive value ...]`. */
export function loadConfig(config: ServerConfig, argv: readonly string[]): void {
  let rest = argv;
  const lines: ConfigLine[] = [];
  if (rest.length > 0 && !rest[0].startsWith('--')) {
    const file = rest[0];
    let content: string;
    try {
      content = readFileSync(file, 'latin1');
    } catch (error) {
      throw new ConfigFileError(file, 0, '', `Fatal error, can't open config file '${file}': ${(error as Error).message}`);
    }
    lines.push(...parseConfigText(content, file));
    config.file = resolve(file);
    rest = rest.slice(1);
  }
  lines.push(...commandLineDirectives(rest));
  applyConfigLines(config, lines);
}
