/** Helpers for tests and benchmarks: real server processes and a raw RESP client. */
export { freePort, type RunningServer, SERVER_MAIN, startRedis, startUnderstudy } from './processes.js';
export { RawClient } from './raw-client.js';
