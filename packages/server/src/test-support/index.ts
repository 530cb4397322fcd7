/** Helpers for tests and benchmarks: real server processes, a raw RESP client, polling and INFO parsing. */
export { parseInfo } from './info-fields.js';
export { eventually } from '@understudy/engine/testing';
export { freePort, runToExit, type RunningServer, SERVER_MAIN, startRedis, startUnderstudy, type UnderstudyOptions, understudyStartupFailure } from './processes.js';
export { RawClient } from './raw-client.js';
