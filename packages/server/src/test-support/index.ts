/** Helpers for tests and benchmarks: real server processes and a raw RESP client. */
export { freePort, runToExit, type RunningServer, SERVER_MAIN, startRedis, startUnderstudy, understudyStartupFailure } from './processes.js';
export { RawClient } from './raw-client.js';
