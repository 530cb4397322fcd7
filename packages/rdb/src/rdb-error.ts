/**
 * A malformed or truncated RDB stream: what was expected and the byte offset (from the first
 * byte of the file) where reading failed. Loading stops at the first one; nothing is half
 * loaded silently.
 */
export class RdbError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    /** The key being read, when the error is inside a key record. */
    readonly key: string | null = null,
    /** The object type being read, when known. */
    readonly type: number | null = null,
  ) {
    super(`${reason} at offset ${offset}${key === null ? '' : ` (key '${key.length > 64 ? `${key.slice(0, 64)}...` : key}')`}`);
    this.name = 'RdbError';
  }
}

/** Thrown internally when the buffered bytes end before the current item does. */
export class NeedMoreData extends Error {
  constructor(readonly needed: number) {
    super('more data needed');
  }
}
