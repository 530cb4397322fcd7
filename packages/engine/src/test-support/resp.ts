/** A decoded RESP reply, for assertions in tests. */
export type Reply = string | number | bigint | null | boolean | Reply[] | ReplyError | Map<Reply, Reply>;

export class ReplyError {
  constructor(readonly message: string) {}
}

/** Decodes every reply in `buffer` (RESP2 or RESP3). */
export function decodeReplies(buffer: Buffer): Reply[] {
  const replies: Reply[] = [];
  let at = 0;
  while (at < buffer.length) {
    const [reply, next] = decodeAt(buffer, at);
    replies.push(reply);
    at = next;
  }
  return replies;
}

function decodeAt(buffer: Buffer, at: number): [Reply, number] {
  const type = String.fromCharCode(buffer[at]);
  const end = buffer.indexOf('\r\n', at, 'latin1');
  const line = buffer.toString('latin1', at + 1, end);
  const next = end + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new ReplyError(line), next];
    case ':':
      return [Number.isSafeInteger(Number(line)) ? Number(line) : BigInt(line), next];
    case '_':
      return [null, next];
    case '#':
      return [line === 't', next];
    case ',':
      return [line, next];
    case '$':
    case '=': {
      const length = Number(line);
      if (length < 0) return [null, next];
      return [buffer.toString('latin1', next, next + length), next + length + 2];
    }
    case '*':
    case '~':
    case '>': {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: Reply[] = [];
      let cursor = next;
      for (let i = 0; i < count; i++) {
        const [item, after] = decodeAt(buffer, cursor);
        items.push(item);
        cursor = after;
      }
      return [items, cursor];
    }
    case '%': {
      const pairs = Number(line);
      const map = new Map<Reply, Reply>();
      let cursor = next;
      for (let i = 0; i < pairs; i++) {
        const [key, afterKey] = decodeAt(buffer, cursor);
        const [value, afterValue] = decodeAt(buffer, afterKey);
        map.set(key, value);
        cursor = afterValue;
      }
      return [map, cursor];
    }
    default:
      throw new Error(`unexpected reply type ${type}`);
  }
}
