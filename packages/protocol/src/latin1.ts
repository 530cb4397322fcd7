/**
 * Node's Buffer has fast latin1 slice/write bindings that its typings do not declare. Keys and
 * values are latin1 strings (one character per byte), so these sit on the hot path of every
 * request and reply.
 */
interface Latin1Bindings {
  latin1Slice(start: number, end: number): string;
  latin1Write(value: string, offset: number, length: number): number;
}

export function latin1Slice(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Bindings).latin1Slice(start, end);
}

/** Writes all of `value` at `offset`; the caller has made room. Returns the bytes written. */
export function latin1Write(buf: Buffer, value: string, offset: number): number {
  return (buf as unknown as Latin1Bindings).latin1Write(value, offset, value.length);
}
