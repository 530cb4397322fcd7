import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger<'verbose'>;

/** Redis's log levels on top of pino's: verbose sits between debug and info (notice). */
const LEVELS: Readonly<Record<string, string>> = {
  debug: 'debug',
  verbose: 'verbose',
  notice: 'info',
  warning: 'warn',
};

export function pinoLevel(redisLevel: string): string {
  return LEVELS[redisLevel] ?? 'info';
}

/**
 * One structured line per event an operator cares about. Human-readable when writing to a
 * terminal, JSON lines otherwise (and always JSON into a logfile).
 */
export function createLogger(options: { level: string; logfile: string }): Logger {
  const base = { level: pinoLevel(options.level), customLevels: { verbose: 25 }, base: { pid: process.pid } };
  if (options.logfile !== '') {
    return pino(base, pino.destination({ dest: options.logfile, sync: true, append: true }));
  }
  if (process.stdout.isTTY === true) {
    return pino(base, pretty({ colorize: true, sync: true, customLevels: 'verbose:25' }));
  }
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
