/**
 * A request that cannot be framed. Redis answers with `-ERR Protocol error: <reason>` and closes
 * the connection once the reply is written; `reply` is false for the one case where it closes
 * without answering (the query buffer limit).
 */
export class ProtocolError extends Error {
  constructor(
    /** The text after "Protocol error: " in the reply. */
    readonly reason: string,
    /** Whether the client gets an error reply before the connection closes. */
    readonly reply: boolean = true,
  ) {
    super(`Protocol error: ${reason}`);
    this.name = 'ProtocolError';
  }
}
