export { formatDouble } from './double-format.js';
export { splitInlineArgs } from './inline-args.js';
export { latin1Slice, latin1Write } from './latin1.js';
export { ProtocolError } from './protocol-error.js';
export { scanReply } from './reply-scanner.js';
export { type ProtocolVersion, ReplyWriter } from './reply-writer.js';
export { INLINE_MAX_SIZE, parseLongLong, RequestParser } from './request-parser.js';
