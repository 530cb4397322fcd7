import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built understudy-server entry point (tests run against the compiled server). */
export const SERVER_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface RunningServer {
  port: number;
  process: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  probe.close();
  await once(probe, 'close');
  return port;
}

async function startProcess(command: string, args: string[], ready: RegExp, timeoutMs = 15_000): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!ready.test(output)) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not become ready: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port: 0,
    process: child,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface UnderstudyOptions {
  /** A config file, given before the directives as understudy-server takes it. */
  configFile?: string;
  /** What the log must show before the server counts as started. */
  ready?: RegExp;
  /** Flags for node itself (benchmarks pass V8 flags such as --trace-gc, which NODE_OPTIONS refuses). */
  nodeArgs?: readonly string[];
}

/**
 * Starts the built understudy-server on a free port with extra directives, and waits until it
 * logs `ready` (by default: it has loaded its data and accepts connections).
 */
export async function startUnderstudy(directives: string[] = [], options: UnderstudyOptions = {}): Promise<RunningServer> {
  const { configFile, ready = /Ready to accept connections/, nodeArgs = [] } = options;
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const args = [...nodeArgs, SERVER_MAIN, ...(configFile === undefined ? [] : [configFile]), '--port', String(port), '--enable-debug-command', 'yes', ...directives];
    try {
      const server = await startProcess(process.execPath, args, ready);
      server.port = port;
      return server;
    } catch (error) {
      if (attempt >= 3 || !/EADDRINUSE|address already in use/i.test(String(error))) throw error;
    }
  }
}

/**
 * Starts a real redis-server 7.0 (from Debian) on a free port, without persistence, and waits
 * until it logs `ready` (by default: it has loaded its data and accepts connections).
 */
export async function startRedis(directives: string[] = [], ready = /Ready to accept connections/): Promise<RunningServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', ...directives];
    try {
      const server = await startProcess('redis-server', args, ready);
      server.port = port;
      return server;
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/i.test(String(error))) throw error;
    }
  }
}

/** Runs a process that is expected to exit on its own (a startup that must fail). */
export async function runToExit(command: string, args: string[], timeoutMs = 15_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

/** understudy-server with directives, expected to exit during startup. */
export async function understudyStartupFailure(directives: string[]): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  return runToExit(process.execPath, [SERVER_MAIN, '--port', String(port), ...directives]);
}
