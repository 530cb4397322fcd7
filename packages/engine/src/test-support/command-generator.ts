import fc from 'fast-check';

/**
 * Random Redis command sequences for property and differential tests: every data type,
 * expiries, wrong types, bad numbers, syntax errors and binary data. Keys come from a small
 * pool so commands collide on the same keys and types.
 */

/** A generated command and how its reply can be compared across servers. */
export interface GeneratedCommand {
  argv: string[];
  /** exact: byte for byte; unordered: same elements in any order (hash-table order); shape: random picks. */
  compare: 'exact' | 'unordered' | 'shape';
}

const exact = (argv: string[]): GeneratedCommand => ({ argv, compare: 'exact' });
const unordered = (argv: string[]): GeneratedCommand => ({ argv, compare: 'unordered' });
const shape = (argv: string[]): GeneratedCommand => ({ argv, compare: 'shape' });

export const key = fc.constantFrom('k1', 'k2', 'k3', 'list', 'hash', 'set', 'zset', 'str', '\u0000bin', '\u00ffkey', 'a b', '');

/** Values of every kind: integers (intset, int encoding), floats, binary, long (raw, table, slab). */
export const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c', 'hello', 'x y', '') },
  { weight: 3, arbitrary: fc.integer({ min: -20, max: 20 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('9223372036854775807', '-9223372036854775808', '10000', '0', '-0', '007', '1.5', '0.1', '3e2') },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 40, max: 90 }).map((n) => 'v'.repeat(n)) },
  // Binary strings long enough for the database's string slab.
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 60, maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')) },
);

export const integerArg = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 12 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('9223372036854775807', '-9223372036854775808', '9223372036854775808', '100', '-100', '2147483648') },
  { weight: 1, arbitrary: fc.constantFrom('abc', '1.5', ' 1', '+1', '01', '', '-0') },
);

export const floatArg = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('0', '1', '-1', '0.1', '1.5', '-2.5', '3', '10', '1e17', '0.3') },
  { weight: 1, arbitrary: fc.constantFrom('inf', '-inf', '+inf', 'nan', 'abc', '1e400', '0x10', ' 1', '1e-400', '', '5.') },
);

const scoreBound = fc.constantFrom('-inf', '+inf', '0', '1', '(1', '1.5', '(0.1', '3', '(3', 'abc', '(', '10');
const lexBound = fc.constantFrom('-', '+', '[a', '(a', '[b', '(c', '[x y', 'a', '[', '(');
const member = fc.constantFrom('a', 'b', 'c', 'd', '1', '2', '3', '10', '-1', 'x y', '\u0000', '\u00ff');
const field = fc.constantFrom('f1', 'f2', 'f3', 'n', 'x y', '\u0000', '');
const smallCount = fc.constantFrom('0', '1', '2', '3', '5', '-1', '-3', 'abc');

/** Absolute times far in the past or future (so no expiry races between two servers). */
const absoluteSeconds = fc.constantFrom('1', '1000', '4102444800', '-5');
const relativeSeconds = fc.constantFrom('100', '1000', '0', '-1', 'abc', '9223372036854775807');
const expireFlags = fc.subarray(['NX', 'XX', 'GT', 'LT'], { maxLength: 2 });

function command(name: string, ...args: fc.Arbitrary<string>[]): fc.Arbitrary<string[]> {
  return args.length === 0 ? fc.constant([name]) : fc.tuple(...args).map((values) => [name, ...values]);
}

const some = <T>(arbitrary: fc.Arbitrary<T>, max = 3): fc.Arbitrary<T[]> => fc.array(arbitrary, { minLength: 1, maxLength: max });

const strings: fc.Arbitrary<GeneratedCommand>[] = [
  command('SET', key, value).map(exact),
  fc
    .tuple(key, value, fc.subarray(['NX', 'XX', 'GET', 'KEEPTTL']), fc.option(fc.tuple(fc.constantFrom('EX', 'PX', 'EXAT', 'PXAT'), fc.constantFrom('100', '100000', '0', '-1', 'x', '4102444800'))))
    .map(([k, v, flags, expire]) => exact(['SET', k, v, ...flags, ...(expire === null ? [] : expire)])),
  command('GET', key).map(exact),
  command('GETSET', key, value).map(exact),
  command('GETDEL', key).map(exact),
  fc.tuple(key, fc.option(fc.oneof(fc.constant(['PERSIST']), fc.tuple(fc.constantFrom('EX', 'PX', 'EXAT', 'PXAT'), fc.constantFrom('100', '100000', '0', '1'))))).map(([k, option]) => exact(['GETEX', k, ...(option ?? [])])),
  fc.tuple(some(key, 4)).map(([keys]) => exact(['MGET', ...keys])),
  fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((pairs) => exact(['MSET', ...pairs.flat()])),
  fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((pairs) => exact(['MSETNX', ...pairs.flat()])),
  command('APPEND', key, value).map(exact),
  command('STRLEN', key).map(exact),
  command('GETRANGE', key, integerArg, integerArg).map(exact),
  command('SETRANGE', key, fc.constantFrom('0', '1', '3', '10', '-1', 'x'), value).map(exact),
  command('INCR', key).map(exact),
  command('DECR', key).map(exact),
  command('INCRBY', key, integerArg).map(exact),
  command('DECRBY', key, integerArg).map(exact),
  command('INCRBYFLOAT', key, floatArg).map(exact),
  command('SETNX', key, value).map(exact),
  command('SETEX', key, relativeSeconds, value).map(exact),
  command('PSETEX', key, fc.constantFrom('100000', '0', '-5'), value).map(exact),
];

const keyspace: fc.Arbitrary<GeneratedCommand>[] = [
  fc.tuple(some(key)).map(([keys]) => exact(['DEL', ...keys])),
  fc.tuple(some(key)).map(([keys]) => exact(['UNLINK', ...keys])),
  fc.tuple(some(key)).map(([keys]) => exact(['EXISTS', ...keys])),
  command('TYPE', key).map(exact),
  command('RENAME', key, key).map(exact),
  command('RENAMENX', key, key).map(exact),
  fc.tuple(key, key, fc.subarray(['REPLACE']), fc.option(fc.constantFrom('0', '1', '16', 'x'))).map(([a, b, flags, db]) => exact(['COPY', a, b, ...flags, ...(db === null ? [] : ['DB', db])])),
  command('MOVE', key, fc.constantFrom('0', '1', '2', '16', 'x')).map(exact),
  fc.tuple(fc.constantFrom('EXPIRE', 'PEXPIRE'), key, fc.constantFrom('100', '100000', '0', '-1', 'x', '9223372036854775807'), expireFlags).map(([name, k, t, flags]) => exact([name, k, t, ...flags])),
  fc.tuple(fc.constantFrom('EXPIREAT', 'PEXPIREAT'), key, absoluteSeconds, expireFlags).map(([name, k, t, flags]) => exact([name, k, t, ...flags])),
  command('TTL', key).map(exact),
  command('PERSIST', key).map(exact),
  fc.tuple(some(key)).map(([keys]) => exact(['TOUCH', ...keys])),
  command('OBJECT', fc.constant('ENCODING'), key).map(exact),
  // Inside EXEC, redis-server still counts the queued argument as a reference: compare types only.
  command('OBJECT', fc.constant('REFCOUNT'), key).map(shape),
  command('DBSIZE').map(exact),
  command('SELECT', fc.constantFrom('0', '1', '1', '0', '99', 'x')).map(exact),
  command('SWAPDB', fc.constantFrom('0', '1', 'x'), fc.constantFrom('0', '1', '2')).map(exact),
  command('DEBUG', fc.constant('DIGEST-VALUE'), key).map(exact),
];

const lists: fc.Arbitrary<GeneratedCommand>[] = [
  fc.tuple(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, some(value, 4)).map(([name, k, values]) => exact([name, k, ...values])),
  fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, fc.option(smallCount)).map(([name, k, count]) => exact([name, k, ...(count === null ? [] : [count])])),
  command('LLEN', key).map(exact),
  command('LRANGE', key, integerArg, integerArg).map(exact),
  command('LINDEX', key, integerArg).map(exact),
  command('LSET', key, integerArg, value).map(exact),
  command('LINSERT', key, fc.constantFrom('BEFORE', 'AFTER', 'x'), value, value).map(exact),
  command('LREM', key, integerArg, value).map(exact),
  command('LTRIM', key, integerArg, integerArg).map(exact),
  fc.tuple(key, value, fc.subarray(['RANK 2', 'RANK -1', 'COUNT 0', 'COUNT 2', 'MAXLEN 3', 'RANK 0'])).map(([k, v, options]) => exact(['LPOS', k, v, ...options.flatMap((o) => o.split(' '))])),
  command('LMOVE', key, key, fc.constantFrom('LEFT', 'RIGHT', 'x'), fc.constantFrom('LEFT', 'RIGHT')).map(exact),
  command('RPOPLPUSH', key, key).map(exact),
  fc.tuple(some(key, 2)).map(([keys]) => exact(['BLPOP', ...keys, '0.01'])),
];

const hashes: fc.Arbitrary<GeneratedCommand>[] = [
  fc.tuple(fc.constantFrom('HSET', 'HMSET'), key, fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 })).map(([name, k, pairs]) => exact([name, k, ...pairs.flat()])),
  command('HSETNX', key, field, value).map(exact),
  command('HGET', key, field).map(exact),
  fc.tuple(key, some(field)).map(([k, fields]) => exact(['HMGET', k, ...fields])),
  fc.tuple(key, some(field)).map(([k, fields]) => exact(['HDEL', k, ...fields])),
  command('HLEN', key).map(exact),
  command('HSTRLEN', key, field).map(exact),
  command('HEXISTS', key, field).map(exact),
  command('HKEYS', key).map(unordered),
  command('HVALS', key).map(unordered),
  command('HGETALL', key).map(unordered),
  command('HINCRBY', key, field, integerArg).map(exact),
  command('HINCRBYFLOAT', key, field, floatArg).map(exact),
  command('HRANDFIELD', key, fc.constantFrom('-3', '0', '1', '100')).map(shape),
];

const sets: fc.Arbitrary<GeneratedCommand>[] = [
  fc.tuple(key, some(member, 4)).map(([k, members]) => exact(['SADD', k, ...members])),
  fc.tuple(key, some(member)).map(([k, members]) => exact(['SREM', k, ...members])),
  command('SCARD', key).map(exact),
  command('SISMEMBER', key, member).map(exact),
  fc.tuple(key, some(member)).map(([k, members]) => exact(['SMISMEMBER', k, ...members])),
  command('SMEMBERS', key).map(unordered),
  command('SMOVE', key, key, member).map(exact),
  fc.tuple(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), some(key)).map(([name, keys]) => unordered([name, ...keys])),
  fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, some(key)).map(([name, destination, keys]) => exact([name, destination, ...keys])),
  fc.tuple(fc.constantFrom('1', '2', '0', 'x'), some(key, 2), fc.option(fc.constantFrom('LIMIT 1', 'LIMIT 0', 'LIMIT -1'))).map(([n, keys, limit]) => exact(['SINTERCARD', n, ...keys, ...(limit?.split(' ') ?? [])])),
  command('SRANDMEMBER', key, fc.constantFrom('-3', '0', '2', '100')).map(shape),
  command('SPOP', key, fc.constantFrom('100', '0')).map(unordered),
];

const zsets: fc.Arbitrary<GeneratedCommand>[] = [
  fc.tuple(key, fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'], { maxLength: 2 }), fc.array(fc.tuple(floatArg, member), { minLength: 1, maxLength: 3 })).map(([k, flags, pairs]) => exact(['ZADD', k, ...flags, ...pairs.flat()])),
  command('ZINCRBY', key, floatArg, member).map(exact),
  fc.tuple(key, some(member)).map(([k, members]) => exact(['ZREM', k, ...members])),
  command('ZCARD', key).map(exact),
  command('ZSCORE', key, member).map(exact),
  fc.tuple(key, some(member)).map(([k, members]) => exact(['ZMSCORE', k, ...members])),
  fc.tuple(fc.constantFrom('ZRANK', 'ZREVRANK'), key, member).map(([name, k, m]) => exact([name, k, m])),
  command('ZCOUNT', key, scoreBound, scoreBound).map(exact),
  command('ZLEXCOUNT', key, lexBound, lexBound).map(exact),
  fc.tuple(key, integerArg, integerArg, fc.subarray(['WITHSCORES', 'REV'])).map(([k, a, b, options]) => exact(['ZRANGE', k, a, b, ...options])),
  fc.tuple(key, scoreBound, scoreBound, fc.subarray(['BYSCORE', 'REV', 'WITHSCORES', 'LIMIT 1 2', 'LIMIT 0 -1', 'LIMIT -1 1'])).map(([k, a, b, options]) => exact(['ZRANGE', k, a, b, ...options.flatMap((o) => o.split(' '))])),
  fc.tuple(key, lexBound, lexBound, fc.subarray(['BYLEX', 'REV', 'LIMIT 0 2'])).map(([k, a, b, options]) => exact(['ZRANGE', k, a, b, ...options.flatMap((o) => o.split(' '))])),
  fc.tuple(fc.constantFrom('ZRANGEBYSCORE', 'ZREVRANGEBYSCORE'), key, scoreBound, scoreBound, fc.subarray(['WITHSCORES', 'LIMIT 1 1'])).map(([name, k, a, b, options]) => exact([name, k, a, b, ...options.flatMap((o) => o.split(' '))])),
  fc.tuple(fc.constantFrom('ZRANGEBYLEX', 'ZREVRANGEBYLEX'), key, lexBound, lexBound).map(([name, k, a, b]) => exact([name, k, a, b])),
  fc.tuple(key, integerArg, integerArg, fc.subarray(['WITHSCORES'])).map(([k, a, b, options]) => exact(['ZREVRANGE', k, a, b, ...options])),
  command('ZRANGESTORE', key, key, integerArg, integerArg).map(exact),
  command('ZREMRANGEBYRANK', key, integerArg, integerArg).map(exact),
  command('ZREMRANGEBYSCORE', key, scoreBound, scoreBound).map(exact),
  command('ZREMRANGEBYLEX', key, lexBound, lexBound).map(exact),
  fc.tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), key, fc.option(smallCount)).map(([name, k, count]) => exact([name, k, ...(count === null ? [] : [count])])),
  command('ZRANDMEMBER', key, fc.constantFrom('-2', '0', '1', '100')).map(shape),
  fc.tuple(fc.constantFrom('ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE'), key, some(key, 2), fc.subarray(['WEIGHTS', 'AGGREGATE MIN', 'AGGREGATE MAX', 'AGGREGATE SUM'], { maxLength: 2 })).map(([name, destination, keys, options]) => {
    const extra = options.flatMap((o) => (o === 'WEIGHTS' ? ['WEIGHTS', ...keys.map((_, i) => String(i + 2))] : o.split(' ')));
    return exact([name, destination, String(keys.length), ...keys, ...extra]);
  }),
  fc.tuple(fc.constantFrom('ZUNION', 'ZINTER', 'ZDIFF', 'ZINTERCARD'), some(key, 2), fc.subarray(['WITHSCORES'])).map(([name, keys, options]) => exact([name, String(keys.length), ...keys, ...options])),
];

const errors: fc.Arbitrary<GeneratedCommand>[] = [
  fc.constantFrom<string[]>(['NOSUCHCOMMAND', 'a', 'b'], ['GET'], ['SET', 'k'], ['HSET', 'k', 'f'], ['ZADD', 'k', '1'], ['MSET', 'a'], ['get', 'a', 'b'], ['Lpush', 'k'], ['OBJECT', 'nope', 'k'], ['OBJECT']).map(exact),
];

/** One random command from any family. */
export const anyCommand: fc.Arbitrary<GeneratedCommand> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(...strings) },
  { weight: 3, arbitrary: fc.oneof(...keyspace) },
  { weight: 3, arbitrary: fc.oneof(...lists) },
  { weight: 3, arbitrary: fc.oneof(...hashes) },
  { weight: 3, arbitrary: fc.oneof(...sets) },
  { weight: 4, arbitrary: fc.oneof(...zsets) },
  { weight: 1, arbitrary: fc.oneof(...errors) },
);

/** A command, or now and then a whole MULTI ... EXEC block of them. */
export const commandOrTransaction: fc.Arbitrary<GeneratedCommand[]> = fc.oneof(
  { weight: 12, arbitrary: anyCommand.map((generated) => [generated]) },
  {
    weight: 1,
    arbitrary: fc.array(anyCommand, { minLength: 1, maxLength: 4 }).map((body) => [
      exact(['MULTI']),
      ...body.map((generated) => exact(generated.argv)),
      body.every((generated) => generated.compare === 'exact') ? exact(['EXEC']) : shape(['EXEC']),
    ]),
  },
);

export const commandSequence: fc.Arbitrary<GeneratedCommand[]> = fc
  .array(commandOrTransaction, { minLength: 5, maxLength: 60 })
  .map((groups) => groups.flat());
