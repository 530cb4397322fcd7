import { ProtocolError } from './protocol-error.js';

const CR = 13;

/**
 * Finds where the reply starting at `start` ends, without decoding it: the offset just past
 * the reply, or -1 if it has not fully arrived. Used to cut a byte stream of replies into
 * single replies (tests that compare replies byte for byte, the replica's handshake).
 */
export function scanReply(buf: Uint8Array, start: number): number {
  if (start >= buf.length) return -1;
  const type = buf[start];
  const cr = lineEnd(buf, start + 1);
  if (cr < 0) return -1;
  const afterLine = cr + 2;
  switch (type) {
    case 0x2b: // + simple
    case 0x2d: // - error
    case 0x3a: // : integer
    case 0x5f: // _ null
    case 0x2c: // , double
    case 0x23: // # boolean
    case 0x28: // ( big number
      return afterLine;
    case 0x24: // $ bulk
    case 0x3d: // = verbatim
    case 0x21: { // ! blob error
      const length = decimal(buf, start + 1, cr);
      if (length < 0) return afterLine;
      const end = afterLine + length + 2;
      return end <= buf.length ? end : -1;
    }
    case 0x2a: // * array
    case 0x7e: // ~ set
    case 0x3e: { // > push
      return scanElements(buf, afterLine, decimal(buf, start + 1, cr));
    }
    case 0x25: // % map
    case 0x7c: { // | attribute: the reply it annotates follows
      const end = scanElements(buf, afterLine, decimal(buf, start + 1, cr) * 2);
      return type === 0x7c && end >= 0 ? scanReply(buf, end) : end;
    }
    default:
      throw new ProtocolError(`unexpected reply type byte ${type}`);
  }
}

function scanElements(buf: Uint8Array, start: number, count: number): number {
  let at = start;
  for (let i = 0; i < count; i++) {
    at = scanReply(buf, at);
    if (at < 0) return -1;
  }
  return at;
}

function lineEnd(buf: Uint8Array, start: number): number {
  for (let i = start; i + 1 < buf.length; i++) if (buf[i] === CR) return i;
  return -1;
}

function decimal(buf: Uint8Array, start: number, end: number): number {
  let negative = false;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 0x2d && i === start) negative = true;
    else if (c >= 0x30 && c <= 0x39) value = value * 10 + (c - 0x30);
    else throw new ProtocolError(`bad length in reply`);
  }
  return negative ? -value : value;
}
