/** Test helpers shared by the packages' test suites (not used at run time). */
export * from './command-generator.js';
export { eventually } from './polling.js';
export { decodeReplies, type Reply, ReplyError } from './resp.js';
export { EngineSession, engineTable } from './session.js';
