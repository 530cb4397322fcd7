import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetDigest, Keyspace } from '@understudy/engine';
import { RdbParser } from '@understudy/rdb';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, freePort, parseInfo, RawClient, runToExit, type RunningServer, startRedis, startUnderstudy, understudyStartupFailure } from './test-support/index.js';

/**
 * RDB persistence as a Redis user meets it: SAVE, BGSAVE, LASTSAVE, save rules, MISCONF,
 * DEBUG RELOAD, SHUTDOWN and signals, loading at startup with -LOADING, and refusing corrupt
 * files, each compared with redis-server 7.0 where the two must answer alike.
 */

const running: RunningServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'understudy-persist-'));
}

async function understudy(directives: string[], ready?: RegExp): Promise<RunningServer> {
  const server = await startUnderstudy(directives, { ready });
  running.push(server);
  return server;
}

async function redis(directives: string[], ready?: RegExp): Promise<RunningServer> {
  const server = await startRedis(directives, ready);
  running.push(server);
  return server;
}

async function connect(server: RunningServer): Promise<RawClient> {
  const client = await RawClient.connect(server.port);
  clients.push(client);
  return client;
}

/** A pair of servers on their own directories, both with `directives`. */
async function pair(directives: string[] = []): Promise<{ theirs: RawClient; ours: RawClient; theirDir: string; ourDir: string; servers: [RunningServer, RunningServer] }> {
  const theirDir = tempDir();
  const ourDir = tempDir();
  const [theirServer, ourServer] = await Promise.all([redis(['--dir', theirDir, ...directives]), understudy(['--dir', ourDir, ...directives])]);
  const [theirs, ours] = await Promise.all([connect(theirServer), connect(ourServer)]);
  return { theirs, ours, theirDir, ourDir, servers: [theirServer, ourServer] };
}

async function info(client: RawClient, section = 'persistence'): Promise<Map<string, string>> {
  return parseInfo(await client.call('INFO', section));
}

async function bgsaveDone(client: RawClient): Promise<void> {
  await eventually(async () => (await info(client)).get('rdb_bgsave_in_progress') === '0', 'the background save to finish');
}

/** Sends the same commands to both servers and requires the same reply bytes for each. */
async function converse(theirs: RawClient, ours: RawClient, commands: string[][]): Promise<void> {
  for (const argv of commands) {
    const [expected, actual] = await Promise.all([theirs.call(...argv), ours.call(...argv)]);
    expect(actual, argv.join(' ')).toBe(expected);
  }
}

async function fill(client: RawClient, keys: number, prefix = 'key'): Promise<void> {
  for (let i = 0; i < keys; i += 500) {
    const argv = ['MSET'];
    for (let j = i; j < Math.min(keys, i + 500); j++) argv.push(`${prefix}:${j}`, `value-${j}`);
    expect(await client.call(...argv)).toBe('+OK\r\n');
  }
}

function checkRdb(path: string): { status: number | null; stdout: string } {
  const result = spawnSync('redis-check-rdb', [path], { encoding: 'latin1' });
  return { status: result.status, stdout: result.stdout };
}

describe('SAVE, BGSAVE, LASTSAVE and the save configuration answer as redis-server does', () => {
  it('gives the same replies, errors included', async () => {
    const { theirs, ours } = await pair();
    await converse(theirs, ours, [
      ['SET', 'a', '1'],
      ['SAVE', 'x'],
      ['SAVE'],
      ['LASTSAVE', 'x'],
      ['BGSAVE', 'foo'],
      ['BGSAVE', 'SCHEDULE', 'x'],
      ['BGSAVE', 'a', 'b'],
      ['MULTI'],
      ['SAVE'],
      ['EXEC'],
      ['MULTI'],
      ['BGSAVE'],
      ['BGSAVE', 'foo'],
      ['EXEC'],
    ]);
    await Promise.all([bgsaveDone(theirs), bgsaveDone(ours)]);
    await converse(theirs, ours, [
      ['CONFIG', 'SET', 'save', '900 1 300'],
      ['CONFIG', 'SET', 'save', 'a b'],
      ['CONFIG', 'SET', 'save', '0 1'],
      ['CONFIG', 'SET', 'save', '10 -1'],
      ['CONFIG', 'SET', 'save', ' 20   5 '],
      ['CONFIG', 'SET', 'save', '60', '100'],
      ['CONFIG', 'SET', 'save', '00010 +5'],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'save', '10 99999999999'],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'save', ''],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
      ['CONFIG', 'SET', 'rdbchecksum', 'no'],
      ['CONFIG', 'SET', 'rdbcompression', 'maybe'],
      ['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'x'],
      ['CONFIG', 'SET', 'rdbcompression', 'NO'],
      ['CONFIG', 'GET', 'rdbcompression'],
      ['CONFIG', 'GET', 'rdbchecksum'],
      ['CONFIG', 'GET', 'dbfilename'],
      ['CONFIG', 'GET', 'stop-writes-on-bgsave-error'],
    ]);
    const [theirLastsave, ourLastsave] = await Promise.all([theirs.call('LASTSAVE'), ours.call('LASTSAVE')]);
    expect(ourLastsave).toMatch(/^:\d+\r\n$/);
    expect(Math.abs(Number(ourLastsave.slice(1)) - Number(theirLastsave.slice(1)))).toBeLessThanOrEqual(2);
  });

  it('validates dir and dbfilename like Redis once protected configs are enabled', async () => {
    const { theirs, ours } = await pair(['--enable-protected-configs', 'yes']);
    await converse(theirs, ours, [
      ['CONFIG', 'SET', 'dbfilename', 'sub/x.rdb'],
      ['CONFIG', 'SET', 'dbfilename', '../x.rdb'],
      ['CONFIG', 'SET', 'dir', '/nonexistent/dir'],
      ['CONFIG', 'SET', 'dir', '/etc/passwd'],
      ['CONFIG', 'SET', 'dir', ''],
      ['CONFIG', 'SET', 'dbfilename', 'a\\b.rdb'],
      ['CONFIG', 'SET', 'dbfilename', '\\'],
      ['CONFIG', 'SET', 'dbfilename', 'other.rdb'],
      ['CONFIG', 'GET', 'dbfilename'],
    ]);
  });

  it('resolves a relative dir against the current one, as the chdir of Redis does', async () => {
    const { theirs, ours, theirDir, ourDir } = await pair(['--enable-protected-configs', 'yes']);
    for (const base of [theirDir, ourDir]) mkdirSync(join(base, 'sub', 'sub'), { recursive: true });
    const commands = [
      ['CONFIG', 'SET', 'dir', 'sub'],
      ['CONFIG', 'SET', 'dir', 'sub'],
      ['CONFIG', 'GET', 'dir'],
      ['CONFIG', 'SET', 'dir', 'sub'],
      ['CONFIG', 'SET', 'dir', '..'],
      ['CONFIG', 'GET', 'dir'],
    ];
    for (const argv of commands) {
      const [expected, actual] = await Promise.all([theirs.call(...argv), ours.call(...argv)]);
      // mkdtemp names are all of one length, so the bulk lengths agree once the bases do.
      expect(actual.replaceAll(ourDir, '<dir>'), argv.join(' ')).toBe(expected.replaceAll(theirDir, '<dir>'));
    }
  });

  it('checks every CONFIG SET name before parsing any value, as Redis does', async () => {
    const { theirs, ours } = await pair();
    await converse(theirs, ours, [
      ['CONFIG', 'SET', 'save', 'x', 'rdbchecksum', 'no'],
      ['CONFIG', 'SET', 'save', 'x', 'nosuch', 'no'],
      ['CONFIG', 'SET', 'hz', 'x', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'hz', 'x', 'hz', '5'],
      ['CONFIG', 'SET', 'hz', '5', 'HZ', 'x'],
      ['CONFIG', 'SET', 'nosuch', '1', 'rdbchecksum', 'no'],
      ['CONFIG', 'SET', 'hz', 'x', 'maxclients', 'y'],
      ['CONFIG', 'SET', 'hz', '11', 'save', 'x'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'hz', '1', 'nosuch'],
      // An alias and the name it stands for are not duplicates; the later one wins.
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', '1', 'hash-max-listpack-entries', '2'],
      ['CONFIG', 'GET', 'hash-max-listpack-entries'],
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', '1', 'hash-max-ziplist-entries', '2'],
    ]);
  });

  it('reads save tokens as strtoll does, an empty one as 0, as Redis does', async () => {
    const { theirs, ours } = await pair();
    await converse(theirs, ours, [
      ['CONFIG', 'SET', 'save', '10 '],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'save', '10 5 20 '],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'save', '10 5  '],
      ['CONFIG', 'SET', 'save', ' '],
      ['CONFIG', 'SET', 'save', '10 +'],
      ['CONFIG', 'SET', 'save', '10 \t7'],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'save', '\t'],
      ['CONFIG', 'GET', 'save'],
    ]);
  });

  it('reports a running BGSAVE and refuses a second one, as Redis does', async () => {
    const { theirs, ours } = await pair();
    await Promise.all([fill(theirs, 2000), fill(ours, 2000)]);
    // 1000 µs per key: the save takes about two seconds.
    await converse(theirs, ours, [['CONFIG', 'SET', 'rdb-key-save-delay', '1000'], ['BGSAVE']]);
    await converse(theirs, ours, [['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['SAVE']]);
    const during = await Promise.all([info(theirs), info(ours)]);
    for (const fields of during) {
      expect(fields.get('rdb_bgsave_in_progress')).toBe('1');
      expect(fields.get('current_save_keys_total')).toBe('2000');
      expect(Number(fields.get('rdb_current_bgsave_time_sec'))).toBeGreaterThanOrEqual(0);
    }
    await Promise.all([bgsaveDone(theirs), bgsaveDone(ours)]);
    const after = await Promise.all([info(theirs), info(ours)]);
    for (const fields of after) {
      expect(fields.get('rdb_last_bgsave_status')).toBe('ok');
      expect(fields.get('rdb_current_bgsave_time_sec')).toBe('-1');
      expect(Number(fields.get('rdb_last_bgsave_time_sec'))).toBeGreaterThanOrEqual(1);
      expect(fields.get('rdb_saves')).toBe('1');
    }
  });

  it('saves in the background again and again with nothing on the server output but its log', async () => {
    const dir = tempDir();
    const server = await understudy(['--dir', dir]);
    const client = await connect(server);
    await fill(client, 2000);
    for (let round = 1; round <= 3; round++) {
      expect(await client.call('BGSAVE')).toBe('+Background saving started\r\n');
      await bgsaveDone(client);
      expect((await info(client)).get('rdb_saves')).toBe(String(round));
    }
    // The encoding worker closes the file it was handed; Node warns about that unless told the
    // worker does not own its descriptors.
    const foreign = server.output().split('\n').filter((line) => line !== '' && !line.startsWith('{'));
    expect(foreign).toEqual([]);
  });

  it('lists INFO persistence with Redis 7.0 field names in Redis order, then its own snapshot fields', async () => {
    const { theirs, ours } = await pair();
    const [theirFields, ourFields] = await Promise.all([info(theirs), info(ours)]);
    const ourNames = [...ourFields.keys()];
    expect(ourNames.slice(0, theirFields.size)).toEqual([...theirFields.keys()]);
    expect(ourNames.slice(theirFields.size)).toEqual([
      'snapshot_peak_buffer_bytes',
      'snapshot_keys_captured_ahead',
      'snapshot_longest_slice_usec',
      'snapshot_longest_slice_without_gc_usec',
      'snapshot_max_loop_delay_usec',
      'snapshot_max_gc_pause_usec',
    ]);
  });

  it('describes SAVE, BGSAVE and LASTSAVE in COMMAND INFO as Redis does', async () => {
    const { theirs, ours } = await pair();
    for (const name of ['save', 'bgsave', 'lastsave']) {
      const [expected, actual] = await Promise.all([theirs.call('COMMAND', 'INFO', name), ours.call('COMMAND', 'INFO', name)]);
      // Name, arity, flags, first/last/step and ACL categories; Redis 7 adds tips and key specs after them.
      const head = (reply: string): string => reply.split('\r\n').slice(0, 16).join('\r\n');
      expect(head(actual), name).toBe(head(expected));
    }
  });
});

describe('stop-writes-on-bgsave-error', () => {
  it('answers that a BGSAVE started, then fails it, when its file cannot even be created, as Redis does', async () => {
    const { theirs, ours, theirDir, ourDir } = await pair(['--save', '3600 1']);
    // The directory goes away under both servers: the temporary file cannot be opened.
    rmSync(theirDir, { recursive: true });
    rmSync(ourDir, { recursive: true });
    await converse(theirs, ours, [['SET', 'k', 'v'], ['BGSAVE']]);
    await Promise.all([bgsaveDone(theirs), bgsaveDone(ours)]);
    expect((await info(ours)).get('rdb_last_bgsave_status')).toBe('err');
    await converse(theirs, ours, [['SET', 'k', 'v2'], ['PING']]);
  });

  it('refuses writes and PING with MISCONF after a failed BGSAVE, until saving works again', async () => {
    const { theirs, ours, theirDir, ourDir } = await pair(['--enable-protected-configs', 'yes', '--save', '3600 1']);
    // A directory where the file should go makes the final rename fail, for both servers.
    mkdirSync(join(theirDir, 'blocker'));
    mkdirSync(join(ourDir, 'blocker'));
    await converse(theirs, ours, [['SET', 'k', 'v'], ['CONFIG', 'SET', 'dbfilename', 'blocker'], ['BGSAVE']]);
    await Promise.all([bgsaveDone(theirs), bgsaveDone(ours)]);
    expect((await info(ours)).get('rdb_last_bgsave_status')).toBe('err');
    await converse(theirs, ours, [
      ['SET', 'k', 'v2'],
      ['PING'],
      ['GET', 'k'],
      ['DEL', 'k'],
      ['PUBLISH', 'ch', 'm'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['GET', 'k'],
      ['EXEC'],
      ['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no'],
      ['SET', 'a', '1'],
      ['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes'],
      ['SET', 'a', '2'],
      ['CONFIG', 'SET', 'save', ''],
      ['SET', 'a', '3'],
      ['CONFIG', 'SET', 'save', '3600 1'],
      ['SET', 'a', '4'],
      ['SAVE'],
      ['SET', 'a', '5'],
      ['CONFIG', 'SET', 'dbfilename', 'dump.rdb'],
      ['SAVE'],
      ['SET', 'a', '6'],
      ['PING'],
    ]);
  });
});

describe('DEBUG RELOAD', () => {
  it('saves, flushes and loads, with MERGE, NOFLUSH and NOSAVE, as Redis does', async () => {
    const { theirs, ours } = await pair();
    await converse(theirs, ours, [
      ['DEBUG', 'RELOAD', 'NOSAVE'],
      ['SET', 'a', '1'],
      ['DEBUG', 'RELOAD', 'NOSAVE'],
      ['DBSIZE'],
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['HSET', 'h', 'f', 'v'],
      ['PEXPIREAT', 'b', '4102444800000'],
      ['DEBUG', 'RELOAD'],
      ['DBSIZE'],
      ['PEXPIRETIME', 'b'],
      ['HGET', 'h', 'f'],
      ['SET', 'c', '3'],
      ['DEBUG', 'RELOAD', 'NOSAVE'],
      ['EXISTS', 'a', 'b', 'c'],
      ['SET', 'a', 'changed'],
      ['SET', 'd', '4'],
      ['DEBUG', 'RELOAD', 'nosave', 'noflush', 'merge'],
      ['MGET', 'a', 'b', 'c', 'd'],
      ['DEBUG', 'RELOAD', 'FOO'],
      ['DBSIZE'],
    ]);
    const [theirFields, ourFields] = await Promise.all([info(theirs), info(ours)]);
    expect(ourFields.get('rdb_last_load_keys_loaded')).toBe(theirFields.get('rdb_last_load_keys_loaded'));
    expect(ourFields.get('rdb_changes_since_last_save')).toBe(theirFields.get('rdb_changes_since_last_save'));
  });
});

describe('DEBUG RELOAD NOFLUSH on a file it cannot load', () => {
  it('leaves the dataset as it was, where redis-server would exit or keep what it had read', async () => {
    const dir = tempDir();
    const server = await understudy(['--dir', dir]);
    const client = await connect(server);
    await fill(client, 2000, 'file');
    expect(await client.call('SAVE')).toBe('+OK\r\n');
    const good = readFileSync(join(dir, 'dump.rdb'));
    expect(await client.call('FLUSHALL')).toBe('+OK\r\n');
    await client.call('SET', 'live', '1');
    await client.call('SET', 'file:7', 'live copy');
    const digest = await client.call('DEBUG', 'DIGEST');
    const loadFailed = '-ERR Error trying to load the RDB dump\r\n';

    // Cut in the middle: a thousand keys read before the end is found.
    writeFileSync(join(dir, 'dump.rdb'), good.subarray(0, Math.floor(good.length / 2)));
    for (const options of [['NOFLUSH'], ['NOFLUSH', 'MERGE']]) {
      expect(await client.call('DEBUG', 'RELOAD', 'NOSAVE', ...options), options.join(' ')).toBe(loadFailed);
      expect(await client.call('DEBUG', 'DIGEST'), options.join(' ')).toBe(digest);
    }

    // A whole file holding a key the dataset has: refused without MERGE, nothing moved.
    writeFileSync(join(dir, 'dump.rdb'), good);
    expect(await client.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH')).toBe(loadFailed);
    expect(await client.call('DEBUG', 'DIGEST')).toBe(digest);

    expect(await client.call('DEL', 'file:7')).toBe(':1\r\n');
    expect(await client.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH')).toBe('+OK\r\n');
    expect(await client.call('DBSIZE')).toBe(':2001\r\n');
    expect(await client.call('MGET', 'live', 'file:7')).toBe('*2\r\n$1\r\n1\r\n$7\r\nvalue-7\r\n');
  });
});

describe('FLUSHALL with save rules', () => {
  it('saves the emptied dataset at once, as Redis does', async () => {
    const { theirs, ours, theirDir, ourDir } = await pair(['--save', '3600 1']);
    await converse(theirs, ours, [['SET', 'a', '1'], ['SAVE'], ['SET', 'b', '2'], ['FLUSHALL']]);
    const [theirFields, ourFields] = await Promise.all([info(theirs), info(ours)]);
    expect(ourFields.get('rdb_changes_since_last_save')).toBe(theirFields.get('rdb_changes_since_last_save'));
    expect(checkRdb(join(theirDir, 'dump.rdb')).stdout).toContain('[info] 0 keys read');
    expect(checkRdb(join(ourDir, 'dump.rdb')).stdout).toContain('[info] 0 keys read');
  });

  it('stops a BGSAVE in progress, leaving the previous file and no temporary one', async () => {
    const dir = tempDir();
    const server = await understudy(['--dir', dir, '--rdb-key-save-delay', '2000']);
    const client = await connect(server);
    await fill(client, 1000);
    expect(await client.call('BGSAVE')).toBe('+Background saving started\r\n');
    expect(await client.call('FLUSHALL')).toBe('+OK\r\n');
    await bgsaveDone(client);
    const fields = await info(client);
    expect(fields.get('rdb_last_bgsave_status')).toBe('ok');
    expect(existsSync(join(dir, 'dump.rdb'))).toBe(false);
    expect(spawnSync('ls', [dir], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });
});

describe('save rules', () => {
  it('start a BGSAVE once enough changes are old enough', async () => {
    const dir = tempDir();
    const server = await understudy(['--dir', dir, '--save', '1 2']);
    const client = await connect(server);
    await client.call('SET', 'a', '1');
    await client.call('SET', 'b', '2');
    await eventually(async () => (await info(client)).get('rdb_changes_since_last_save') === '0', 'the rule-triggered save');
    expect(server.output()).toContain('2 changes in 1 seconds. Saving...');
    expect(checkRdb(join(dir, 'dump.rdb')).stdout).toContain('[info] 2 keys read');
    expect((await info(client)).get('rdb_saves')).toBe('1');
  });

  it('accumulate over save lines and reset with save "", like the command line of redis-server', async () => {
    const dir = tempDir();
    const [theirServer, ourServer] = await Promise.all([
      redis(['--dir', dir, '--save', '60 100', '--save', '300 10']),
      understudy(['--dir', dir, '--save', '60 100', '--save', '300 10']),
    ]);
    const [theirs, ours] = await Promise.all([connect(theirServer), connect(ourServer)]);
    await converse(theirs, ours, [['CONFIG', 'GET', 'save']]);
  });
});

describe('SHUTDOWN and signals', () => {
  it('saves on SHUTDOWN with save rules, not with NOSAVE, and the file loads back', async () => {
    const dir = tempDir();
    const first = await understudy(['--dir', dir, '--save', '3600 1']);
    const client = await connect(first);
    await client.call('SET', 'kept', 'yes');
    client.send('SHUTDOWN');
    await client.closedByServer();
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Saving the final RDB snapshot before exiting.');

    const second = await understudy(['--dir', dir]);
    const again = await connect(second);
    expect(await again.call('GET', 'kept')).toBe('$3\r\nyes\r\n');
    await again.call('SET', 'lost', 'yes');
    again.send('SHUTDOWN', 'NOSAVE');
    await again.closedByServer();
    expect(await second.exited).toBe(0);
    expect(checkRdb(join(dir, 'dump.rdb')).stdout).toContain('[info] 1 keys read');
  });

  it('stays up when the final save fails, unless FORCE, as Redis does', async () => {
    const { theirs, ours, theirDir, ourDir, servers } = await pair(['--enable-protected-configs', 'yes', '--save', '3600 1']);
    mkdirSync(join(theirDir, 'blocker'));
    mkdirSync(join(ourDir, 'blocker'));
    await converse(theirs, ours, [['SET', 'a', '1'], ['CONFIG', 'SET', 'dbfilename', 'blocker'], ['SHUTDOWN'], ['PING'], ['SHUTDOWN', 'SAVE', 'NOSAVE']]);
    servers[1].process.kill('SIGTERM');
    await eventually(() => servers[1].output().includes('Errors trying to shut down the server'), 'the refused shutdown on SIGTERM');
    expect(await ours.call('PING')).toBe('+PONG\r\n');
    theirs.send('SHUTDOWN', 'FORCE');
    ours.send('SHUTDOWN', 'FORCE');
    await Promise.all([theirs.closedByServer(), ours.closedByServer()]);
    expect(await servers[1].exited).toBe(await servers[0].exited);
  });

  it('answers SHUTDOWN ABORT, repeated or mixed with other options, as Redis does', async () => {
    const { theirs, ours } = await pair();
    await converse(theirs, ours, [
      ['SHUTDOWN', 'ABORT', 'ABORT'],
      ['SHUTDOWN', 'abort', 'Abort', 'ABORT'],
      ['SHUTDOWN', 'ABORT', 'NOW'],
      ['SHUTDOWN', 'NOSAVE', 'ABORT'],
      ['SHUTDOWN', 'ABORT', 'FOO'],
      ['SHUTDOWN', 'SAVE', 'NOSAVE', 'ABORT'],
      ['PING'],
    ]);
  });

  it('saves on SIGTERM when there are save rules', async () => {
    const dir = tempDir();
    const server = await understudy(['--dir', dir, '--save', '3600 1']);
    const client = await connect(server);
    await client.call('RPUSH', 'list', 'a', 'b');
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(checkRdb(join(dir, 'dump.rdb')).stdout).toContain('[info] 1 keys read');
  });
});

describe('loading at startup', () => {
  it('answers -LOADING and reports loading:1 while the file loads, then serves the data', async () => {
    const dir = tempDir();
    const writer = await understudy(['--dir', dir]);
    const setup = await connect(writer);
    await fill(setup, 3000);
    await setup.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    for (const key of ['gone:1', 'gone:2', 'gone:3']) await setup.call('SET', key, 'x', 'PX', '1');
    // The server's clock past their expiry; TIME leaves the keys alone (a lookup would expire them).
    const serverMs = async (): Promise<number> => {
      const time = /^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$/.exec(await setup.call('TIME'));
      return Number(time?.[1]) * 1000 + Number(time?.[2]) / 1000;
    };
    const setAt = await serverMs();
    await eventually(async () => (await serverMs()) > setAt + 1, 'the keys to pass their expiry');
    expect(await setup.call('SAVE')).toBe('+OK\r\n');
    setup.send('SHUTDOWN', 'NOSAVE');
    await setup.closedByServer();

    // 1 ms per key: about three seconds of loading.
    const server = await understudy(['--dir', dir, '--key-load-delay', '1000'], /Server initialized/);
    const client = await connect(server);
    expect(await client.call('PING')).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await client.call('GET', 'key:1')).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await client.call('DBSIZE')).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await client.call('LASTSAVE')).toMatch(/^:\d+\r\n$/);
    expect(await client.call('CONFIG', 'GET', 'dbfilename')).toBe('*2\r\n$10\r\ndbfilename\r\n$8\r\ndump.rdb\r\n');
    const during = await info(client);
    expect(during.get('loading')).toBe('1');
    expect(Number(during.get('loading_total_bytes'))).toBeGreaterThan(30_000);
    expect(Number(during.get('loading_loaded_bytes'))).toBeLessThanOrEqual(Number(during.get('loading_total_bytes')));
    expect(during.has('loading_eta_seconds')).toBe(true);
    await client.call('MULTI');
    expect(await client.call('PING')).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await client.call('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    await eventually(async () => (await client.call('PING')) === '+PONG\r\n', 'the end of loading');
    expect(await client.call('DBSIZE')).toBe(':3000\r\n');
    const after = await info(client);
    expect(after.get('loading')).toBe('0');
    expect(after.has('loading_total_bytes')).toBe(false);
    expect(after.get('rdb_last_load_keys_loaded')).toBe('3000');
    expect(after.get('rdb_last_load_keys_expired')).toBe('3');
    expect(server.output()).toContain('Done loading RDB, keys loaded: 3000, keys expired: 3.');
  });

  it('refuses CONFIG SET dir with -LOADING and lists loading_* fields where Redis does', async () => {
    const source = tempDir();
    const writer = await understudy(['--dir', source]);
    const setup = await connect(writer);
    await fill(setup, 6000);
    expect(await setup.call('SAVE')).toBe('+OK\r\n');
    const file = readFileSync(join(source, 'dump.rdb'));
    const [theirDir, ourDir] = [tempDir(), tempDir()];
    for (const dir of [theirDir, ourDir]) writeFileSync(join(dir, 'dump.rdb'), file);

    // 1 ms per key: six seconds of loading; Redis answers clients every 1 KB it reads.
    const slow = ['--key-load-delay', '1000', '--enable-protected-configs', 'yes'];
    const [theirServer, ourServer] = await Promise.all([
      redis(['--dir', theirDir, '--loading-process-events-interval-bytes', '1024', ...slow], /Server initialized/),
      understudy(['--dir', ourDir, ...slow], /Server initialized/),
    ]);
    const [theirs, ours] = await Promise.all([connect(theirServer), connect(ourServer)]);
    await converse(theirs, ours, [
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'dir', '/nonexistent'],
      ['CONFIG', 'SET', 'hz', '30', 'dir', '/tmp'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'nosuch', '1', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'rdbchecksum', 'no', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'hz', '20'],
      ['CONFIG', 'GET', 'hz'],
    ]);
    const [theirFields, ourFields] = await Promise.all([info(theirs), info(ours)]);
    // Both still loading: every reply above was given during the load.
    expect(theirFields.get('loading')).toBe('1');
    expect(ourFields.get('loading')).toBe('1');
    const theirNames = [...theirFields.keys()];
    expect(theirNames.slice(-7)).toEqual(['module_fork_last_cow_size', 'loading_start_time', 'loading_total_bytes', 'loading_rdb_used_mem', 'loading_loaded_bytes', 'loading_loaded_perc', 'loading_eta_seconds']);
    const ourNames = [...ourFields.keys()];
    expect(ourNames.slice(0, theirNames.length)).toEqual(theirNames);
    expect(ourNames.slice(theirNames.length).every((name) => name.startsWith('snapshot_'))).toBe(true);
  }, 60_000);

  it('starts empty when there is no file', async () => {
    const server = await understudy(['--dir', tempDir()]);
    const client = await connect(server);
    expect(await client.call('DBSIZE')).toBe(':0\r\n');
  });
});

describe('a corrupt file stops startup with its offset, never half loaded', () => {
  /** A valid file of a few thousand keys of every type, written by Understudy itself. */
  async function goodFile(): Promise<Buffer> {
    const dir = tempDir();
    const server = await understudy(['--dir', dir]);
    const client = await connect(server);
    await fill(client, 2000);
    await client.call('RPUSH', 'list', ...Array.from({ length: 500 }, (_, i) => `item-${i}`));
    await client.call('HSET', 'hash', ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    await client.call('ZADD', 'zset', '1', 'a', '2.5', 'b');
    await client.call('SADD', 'ints', '1', '2', '3');
    expect(await client.call('SAVE')).toBe('+OK\r\n');
    return readFileSync(join(dir, 'dump.rdb'));
  }

  async function startWith(bytes: Buffer, withRedis: boolean): Promise<{ ours: { code: number | null; output: string }; theirs: number | null }> {
    const dir = tempDir();
    writeFileSync(join(dir, 'dump.rdb'), bytes);
    const port = await freePort();
    const [ours, theirs] = await Promise.all([
      understudyStartupFailure(['--dir', dir]),
      withRedis ? runToExit('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no']) : Promise.resolve({ code: 1 }),
    ]);
    return { ours, theirs: theirs.code };
  }

  it('refuses truncations, flipped bytes, a bad checksum, magic, version, type or length', async () => {
    const good = await goodFile();
    const flipped = (at: number): Buffer => {
      const copy = Buffer.from(good);
      copy[at] ^= 0xff;
      return copy;
    };
    const header = good.subarray(0, good.indexOf(Buffer.from([0xfe, 0x00])));
    const cases: [string, Buffer, RegExp][] = [
      ['truncated in the middle', good.subarray(0, Math.floor(good.length / 2)), /Unexpected EOF reading RDB file/],
      ['truncated checksum', good.subarray(0, good.length - 3), /Unexpected EOF reading RDB file \(reading the checksum\)/],
      ['bad checksum', flipped(good.length - 1), /Wrong RDB checksum expected/],
      ['byte flipped in the data', flipped(Math.floor(good.length * 0.7)), /offset \d+/],
      ['bad magic', Buffer.concat([Buffer.from('XEDIS'), good.subarray(5)]), /Wrong signature trying to load DB from file/],
      ['newer version', Buffer.concat([Buffer.from('REDIS0011'), good.subarray(9)]), /Can't handle RDB format version 0011/],
      ['unknown type', Buffer.concat([header, Buffer.from([0xfe, 0x00, 0x08, 0x01, 0x6b, 0x01, 0x76, 0xff])]), /Unknown RDB encoding type 8/],
      ['bad length', Buffer.concat([header, Buffer.from([0xfe, 0x00, 0x00, 0xbf, 0x6b])]), /Unknown length encoding 191/],
      ['stream', Buffer.concat([header, Buffer.from([0xfe, 0x00, 0x13, 0x01, 0x6b, 0x00])]), /Streams are not supported \(type 19 stream-v2\)/],
      // redis-server does not exit on these, it hangs reporting them: only ours is compared.
      ['module value', Buffer.concat([header, Buffer.from([0xfe, 0x00, 0x07, 0x01, 0x6b, 0x00])]), /Module values are not supported \(type 7 module-value\)/],
      ['function library', Buffer.concat([header, Buffer.from([0xf5, 0x03, 0x61, 0x62, 0x63])]), /function library \(opcode 245\)/],
      ['module aux', Buffer.concat([header, Buffer.from([0xf7, 0x00])]), /AUX module data \(opcode 247\)/],
      ['empty file', Buffer.alloc(0), /Unexpected EOF reading RDB file \(reading the file header\)/],
      ['zeros', Buffer.alloc(4096), /Wrong signature/],
    ];
    for (const [name, bytes, reason] of cases) {
      const { ours, theirs } = await startWith(bytes, !/^module|^function/.test(name));
      expect(ours.code, name).toBe(1);
      expect(theirs, `redis-server on: ${name}`).toBe(1);
      expect(ours.output, name).toMatch(/Fatal error loading the DB: .* at offset \d+/);
      expect(ours.output, name).toMatch(reason);
      // A clear message, never a stack trace.
      expect(ours.output, name).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(ours.output, name).not.toContain('Ready to accept connections');
    }
  }, 120_000);
});

describe('a BGSAVE under a write storm holds the dataset of the moment it started', () => {
  /** Random writes, deletes and expiries over the whole keyspace, pipelined on one connection. */
  class Hammer {
    /** Commands answered so far. */
    sent = 0;
    private stopped = false;
    private done: Promise<number>;
    constructor(client: RawClient, keys: number) {
      this.done = (async () => {
        let seed = 0x9e3779b9;
        // xorshift32: integer arithmetic only, so the sequence never degenerates.
        const random = (n: number): number => {
          seed ^= seed << 13;
          seed ^= seed >>> 17;
          seed ^= seed << 5;
          return (seed >>> 0) % n;
        };
        while (!this.stopped) {
          const batch: string[][] = [];
          for (let i = 0; i < 200; i++) {
            const key = `key:${random(keys)}`;
            switch (random(12)) {
              case 0: batch.push(['DEL', key]); break;
              case 1: batch.push(['PEXPIRE', key, String(1 + random(50))]); break;
              case 2: batch.push(['EXPIRE', key, String(100 + random(1000))]); break;
              case 3: batch.push(['HSET', 'bighash', `f${random(5000)}`, `changed-${i}`]); break;
              case 4: batch.push(['LPUSH', 'biglist', `new-${i}`]); break;
              case 5: batch.push(['ZADD', 'bigzset', String(random(1000)), `m${random(5000)}`]); break;
              case 6: batch.push(['SREM', 'bigset', `m${random(5000)}`]); break;
              case 7: batch.push(['APPEND', key, 'more']); break;
              case 8: batch.push(['RENAME', key, `key:${random(keys)}`]); break;
              case 9: batch.push(['SELECT', '1'], ['SET', key, 'db1'], ['SELECT', '0']); break;
              default: batch.push(['SET', key, `overwritten-${this.sent}`]);
            }
          }
          for (const argv of batch) client.send(...argv);
          for (let i = 0; i < batch.length; i++) await client.reply(30_000);
          this.sent += batch.length;
        }
        return this.sent;
      })();
    }

    async stop(): Promise<number> {
      this.stopped = true;
      return this.done;
    }
  }

  async function storm(keyDelayMicros: number, minimumCaptured: number): Promise<void> {
    const dir = tempDir();
    const server = await understudy(['--dir', dir, '--rdb-key-save-delay', String(keyDelayMicros)]);
    const control = await connect(server);
    const writer = await connect(server);
    const keys = 20_000;
    await fill(control, keys);
    await control.call('HSET', 'bighash', ...Array.from({ length: 5000 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    await control.call('RPUSH', 'biglist', ...Array.from({ length: 5000 }, (_, i) => `item-${i}`));
    await control.call('ZADD', 'bigzset', ...Array.from({ length: 5000 }, (_, i) => [String(i), `m${i}`]).flat());
    await control.call('SADD', 'bigset', ...Array.from({ length: 5000 }, (_, i) => `m${i}`));
    await control.call('SELECT', '1');
    await fill(control, 2000, 'other');
    await control.call('SELECT', '0');

    const hammer = new Hammer(writer, keys);
    await eventually(() => hammer.sent > 0, 'the writes to get going');
    // DEBUG DIGEST and the start of the BGSAVE in one transaction: the same instant.
    control.send('MULTI');
    control.send('DEBUG', 'DIGEST');
    control.send('BGSAVE');
    control.send('EXEC');
    for (let i = 0; i < 3; i++) await control.reply();
    const exec = await control.reply();
    const digest = /^\*2\r\n\+([0-9a-f]{40})\r\n\+Background saving scheduled\r\n$/.exec(exec);
    expect(digest, exec).not.toBeNull();
    await bgsaveDone(control);
    const sent = await hammer.stop();
    const fields = await info(control);
    expect(fields.get('rdb_last_bgsave_status')).toBe('ok');
    // The storm really did race the walk: keys were captured ahead of their change.
    expect(Number(fields.get('snapshot_keys_captured_ahead'))).toBeGreaterThanOrEqual(minimumCaptured);
    expect(sent).toBeGreaterThan(1000);
    expect(checkRdb(join(dir, 'dump.rdb')).status).toBe(0);

    // Read the file keeping every key whatever its expiry (as a replica loads it), and
    // compare its digest with the one taken at the start.
    expect(digestOfFile(join(dir, 'dump.rdb'))).toBe(digest![1]);
  }

  it('with the walk at full speed', async () => {
    await storm(0, 100);
  }, 120_000);

  it('with a slow walk (rdb-key-save-delay), so that thousands of keys change before they are written', async () => {
    await storm(50, 5000);
  }, 120_000);
});

/** DEBUG DIGEST of what a file holds, expired keys included (Redis's digest counts them too). */
function digestOfFile(path: string): string {
  const keyspace = new Keyspace();
  const parser = new RdbParser({ record: (record) => keyspace.db(record.db).add(record.key, record.value, record.expireAt) }, { limits: keyspace.limits, verifyChecksum: true });
  parser.push(readFileSync(path));
  parser.end();
  return datasetDigest(keyspace);
}
