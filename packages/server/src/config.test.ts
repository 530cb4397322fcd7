import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, SERVER_MAIN, startUnderstudy, type RunningServer } from './test-support/processes.js';

const running: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

/** Starts a server whose log goes to a file: readiness is seen in the file, not on stdout. */
async function startUnderstudyLogging(logfile: string): Promise<RunningServer> {
  const file = configFile(`logfile ${logfile}\n`);
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_MAIN, file, '--port', String(port)], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (!(existsSync(logfile) && readFileSync(logfile, 'utf8').includes('Ready to accept connections'))) {
    if (Date.now() > deadline) throw new Error('no readiness line in the logfile');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    process: child,
    exited,
    output: () => readFileSync(logfile, 'utf8'),
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

function configFile(content: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'understudy-config-'));
  const file = join(directory, 'understudy.conf');
  writeFileSync(file, content);
  return file;
}

/** Runs the server expecting it to refuse to start. */
function failedStart(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [SERVER_MAIN, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { status: result.status, stderr: result.stderr };
}

async function connect(server: RunningServer): Promise<Redis> {
  const client = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
  return client;
}

describe('configuration', () => {
  it('reads a redis.conf-style file, with command-line directives taking precedence', async () => {
    const file = configFile('# Understudy test configuration\nhz 20\n\nmaxclients 500 \n"databases" 4\nport 1\n');
    const server = await startUnderstudy([], { configFile: file });
    running.push(server);
    const client = await connect(server);
    expect(await client.config('GET', 'hz')).toEqual(['hz', '20']);
    expect(await client.config('GET', 'maxclients')).toEqual(['maxclients', '500']);
    expect(await client.config('GET', 'port')).toEqual(['port', String(server.port)]);
    await expect(client.select(4)).rejects.toThrow('DB index is out of range');
    client.disconnect();
  });

  it.each([
    ['nosuchdirective yes\n', 1, 'Bad directive or wrong number of arguments'],
    ['hz 10\nhz abc\n', 2, "argument couldn't be parsed into an integer"],
    ['port 70000\n', 1, 'argument must be between 0 and 65535 inclusive'],
    ['protected-mode maybe\n', 1, "argument must be 'yes' or 'no'"],
    ['loglevel loud\n', 1, 'argument(s) must be one of the following: debug, verbose, notice, warning'],
    ['proto-max-bulk-len 12parsecs\n', 1, 'argument must be a memory value'],
    ['port 1 2\n', 1, 'wrong number of arguments'],
  ])('stops at %j with the file, line and reason', (content, line, reason) => {
    const file = configFile(`# comment\n${content}`);
    const { status, stderr } = failedStart([file]);
    expect(status).not.toBe(0);
    expect(stderr).toContain(`Reading the configuration file ${file}, at line ${line + 1}`);
    expect(stderr).toContain(reason);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a bad command-line directive', () => {
    const { status, stderr } = failedStart(['--port', 'abc']);
    expect(status).not.toBe(0);
    expect(stderr).toContain("argument couldn't be parsed into an integer");
  });

  it('rewrites changed values into the same file, keeping comments and order', async () => {
    const original = '# header comment\nhz 20\n# keep me\ntimeout 0\ntimeout 5\n';
    const file = configFile(original);
    const server = await startUnderstudy([], { configFile: file });
    running.push(server);
    const client = await connect(server);
    await client.config('SET', 'hz', '30');
    await client.config('SET', 'maxclients', '321');
    await client.config('SET', 'timeout', '7');
    expect(await client.config('REWRITE')).toBe('OK');
    const rewritten = readFileSync(file, 'utf8').split('\n');
    expect(rewritten.slice(0, 4)).toEqual(['# header comment', 'hz 30', '# keep me', 'timeout 7']);
    expect(rewritten).not.toContain('timeout 5');
    const marker = rewritten.indexOf('# Generated by CONFIG REWRITE');
    expect(marker).toBeGreaterThan(3);
    expect(rewritten.slice(marker)).toEqual(expect.arrayContaining(['maxclients 321', `port ${server.port}`]));
    client.disconnect();
    await server.stop();
    const restarted = await startUnderstudy([], { configFile: file });
    running.push(restarted);
    const again = await connect(restarted);
    expect(await again.config('GET', 'maxclients')).toEqual(['maxclients', '321']);
    again.disconnect();
  });

  it('reports CONFIG REWRITE without a file as Redis does', async () => {
    const server = await startUnderstudy();
    running.push(server);
    const client = await connect(server);
    await expect(client.config('REWRITE')).rejects.toThrow('The server is running without a config file');
    client.disconnect();
  });

  it('writes JSON log lines to logfile when one is configured', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'understudy-log-'));
    const logfile = join(directory, 'understudy.log');
    const server = await startUnderstudyLogging(logfile);
    running.push(server);
    const lines = readFileSync(logfile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toContain('Ready to accept connections');
  });

  it('logs human-readable lines when stdout is a terminal', async () => {
    // script(1) runs the server on a pseudo-terminal; the log must not be JSON there.
    const port = await freePort();
    const result = spawnSync('script', ['-qec', `timeout -s INT 2 ${process.execPath} ${SERVER_MAIN} --port ${port}`, '/dev/null'], { encoding: 'utf8', timeout: 10_000 });
    const ready = result.stdout.split('\n').find((line) => line.includes('Ready to accept connections'));
    expect(ready).toBeDefined();
    expect(ready!.trim().startsWith('{')).toBe(false);
    expect(ready).toMatch(/INFO/);
  });

  it('logs structured JSON lines when stdout is not a terminal', async () => {
    const server = await startUnderstudy();
    running.push(server);
    const ready = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; port: number; level: number })
      .find((entry) => entry.msg === 'Ready to accept connections');
    expect(ready).toMatchObject({ port: server.port, level: 30 });
  });
});
