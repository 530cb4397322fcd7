/**
 * Errors a command answers with. The reply is `-<code> <message>`; the texts are redis-server
 * 7.0's, since clients and tools match on them.
 *
 * Handlers validate before they change anything and throw one of these; the dispatcher turns it
 * into the error reply. Shared instances are used for the common, argument-free errors.
 */
export class RedisError extends Error {
  constructor(
    message: string,
    readonly code: string = 'ERR',
  ) {
    super(message);
    this.name = 'RedisError';
  }

  /** The reply line without the leading '-' and trailing CRLF (a bare code when there is no message). */
  get reply(): string {
    return this.message === '' ? this.code : `${this.code} ${this.message}`;
  }
}

export class WrongTypeError extends RedisError {
  constructor() {
    super('Operation against a key holding the wrong kind of value', 'WRONGTYPE');
  }
}

export class SyntaxError extends RedisError {
  constructor() {
    super('syntax error');
  }
}

export class NotIntegerError extends RedisError {
  constructor(message = 'value is not an integer or out of range') {
    super(message);
  }
}

export class NotFloatError extends RedisError {
  constructor(message = 'value is not a valid float') {
    super(message);
  }
}

export class NoSuchKeyError extends RedisError {
  constructor() {
    super('no such key');
  }
}

export class OutOfRangeError extends RedisError {
  constructor(message = 'index out of range') {
    super(message);
  }
}

export class ArityError extends RedisError {
  constructor(fullName: string) {
    super(`wrong number of arguments for '${fullName}' command`);
  }
}

export class UnknownSubcommandError extends RedisError {
  constructor(subcommand: string, container: string) {
    super(`unknown subcommand '${truncate(subcommand)}'. Try ${container.toUpperCase()} HELP.`);
  }
}

/** `-ERR unknown command 'x', with args beginning with: 'a' 'b' ` (note the trailing space). */
export class UnknownCommandError extends RedisError {
  constructor(argv: readonly string[]) {
    let args = '';
    for (let i = 1; i < argv.length && args.length < 128; i++) {
      args += `'${truncate(argv[i], 128 - args.length)}' `;
    }
    super(`unknown command '${truncate(argv[0])}', with args beginning with: ${args}`);
  }
}

export const WRONG_TYPE = new WrongTypeError();
export const SYNTAX = new SyntaxError();
export const NOT_INTEGER = new NotIntegerError();
export const NOT_FLOAT = new NotFloatError();
export const NO_SUCH_KEY = new NoSuchKeyError();
export const OUT_OF_RANGE = new OutOfRangeError();

/** Redis prints user input in errors with "%.128s": cut to 128 bytes and at the first NUL. */
function truncate(text: string, limit = 128): string {
  const nul = text.indexOf('\0');
  if (nul !== -1 && nul < limit) return text.slice(0, nul);
  return text.length > limit ? text.slice(0, limit) : text;
}
