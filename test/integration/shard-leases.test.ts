import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callbackChannelName, joinCallbackChannel } from '../../src/callbacks/wake-channel.js';
import { createLogger } from '../../src/log.js';
import { formatList, PlacementError, ShardLeases, type ShardLeasesOptions } from '../../src/placement/shard-leases.js';
import { openTestRedisStorage, redisTestUrl, type TestRedisStorage } from '../helpers/redis.js';
import { captureLogs } from '../helpers/log-capture.js';

describe.skipIf(!redisTestUrl())('shard claims on one Redis', () => {
  let store: TestRedisStorage;
  const running: ShardLeases[] = [];
  const logs = captureLogs();
  const logger = createLogger({ level: 'debug', destination: logs.destination });

  beforeEach(async () => {
    store = await openTestRedisStorage();
  });
  afterEach(async () => {
    for (const leases of running.splice(0)) await leases.release().catch(() => {});
    await store.close();
  });

  const machine = (machineId: string, shardIds: number[], more: Partial<ShardLeasesOptions> = {}): ShardLeases & { lost: string[] } => {
    const lost: string[] = [];
    const leases = Object.assign(
      new ShardLeases({
        redis: store.redis,
        keyPrefix: store.keyPrefix,
        machineId,
        totalShards: 4,
        shardIds,
        logger,
        onLost: (shard, by) => lost.push(`${shard} by ${by}`),
        refreshIntervalMs: 100,
        staleAfterMs: 400,
        ...more,
      }),
      { lost },
    );
    running.push(leases);
    return leases;
  };
  const claimError = async (leases: ShardLeases): Promise<string> => {
    const error = await leases.claim().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(PlacementError);
    return (error as Error).message;
  };

  it('gives disjoint lists to two machines and refuses a third whose list overlaps a live one, in one line', async () => {
    await machine('a', [0, 1]).claim();
    await machine('b', [2, 3]).claim();
    const started = Date.now();
    const message = await claimError(machine('c', [1, 2]));
    // A live machine refreshes its claim within the watch: refused at once, not after the claim's TTL.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(message).toBe('SHARD_LIST: shard 1 is already run by machine "a", which is live: give each machine its own shards (SHARD_LIST 1-2 overlaps it)');
    expect(message).not.toContain('\n');
    // The refused machine wrote nothing: a and b still hold every shard.
    const values = await Promise.all([0, 1, 2, 3].map((id) => store.redis.get(`${store.keyPrefix}shards:${id}`)));
    expect(values.map((value) => JSON.parse(value!.slice(value!.indexOf(':') + 1)).machine)).toEqual(['a', 'a', 'b', 'b']);
    expect(await store.redis.pTTL(`${store.keyPrefix}shards:0`)).toBeGreaterThan(5_000);
  });

  it('a clean stop releases the claims at once, so the replacement starts without waiting', async () => {
    const first = machine('a', [0, 1]);
    await first.claim();
    await first.release();
    expect(await store.redis.exists(`${store.keyPrefix}shards:0`)).toBe(0);
    const started = Date.now();
    await machine('a2', [0, 1]).claim();
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('takes over the claim of a machine that stopped refreshing it; that machine, back, hears it lost the shard', async () => {
    let away = false;
    const flaky = { sendCommand: (args: readonly string[]) => (away ? Promise.reject(new Error('unreachable')) : store.redis.sendCommand(args)) };
    const first = machine('a', [0, 1], { redis: flaky as ShardLeasesOptions['redis'] });
    await first.claim();
    away = true;
    await machine('b', [1]).claim();
    expect(logs.lines.some((line) => line.msg === 'taking over a shard whose machine stopped refreshing its claim' && line['machine'] === 'a')).toBe(true);
    away = false;
    await expect.poll(() => first.lost, { timeout: 2_000 }).toEqual(['1 by b']);
    // Its release leaves b's claim alone.
    await first.release();
    expect(await store.redis.get(`${store.keyPrefix}shards:1`)).toContain('"machine":"b"');
  });

  it('refuses a machine whose SHARD_COUNT differs from the running ones', async () => {
    await machine('a', [0, 1]).claim();
    expect(await claimError(machine('b', [4, 5], { totalShards: 8 }))).toMatch(/^SHARD_COUNT is 8, but the machines running on this Redis use 4: every machine needs the same SHARD_COUNT/);
  });

  it('writes lists back as ranges', () => {
    expect(formatList([0, 1, 2, 3, 6, 8, 9])).toBe('0-3,6,8-9');
    expect(formatList([5])).toBe('5');
  });
});

describe.skipIf(!redisTestUrl())('the KIE callback channel', () => {
  it('passes a task id to every other machine, not back to the one that published it', async () => {
    const store = await openTestRedisStorage();
    const logger = createLogger({ level: 'silent' });
    const heard: Record<string, string[]> = { a: [], b: [] };
    const [a, b] = await Promise.all(
      (['a', 'b'] as const).map((name) => joinCallbackChannel({ redis: store.redis, keyPrefix: store.keyPrefix, onWake: (taskId) => heard[name]!.push(taskId), logger })),
    );
    try {
      a!.publish('task-1');
      b!.publish('task-2');
      await expect.poll(() => heard).toEqual({ a: ['task-2'], b: ['task-1'] });
      // Anything else on the channel is not a wake.
      await store.redis.publish(callbackChannelName(store.keyPrefix), 'not json');
      await store.redis.publish(callbackChannelName(store.keyPrefix), JSON.stringify({ taskId: 7, from: 'x' }));
      a!.publish('task-3');
      await expect.poll(() => heard.b).toEqual(['task-1', 'task-3']);
      expect(heard.a).toEqual(['task-2']);
    } finally {
      await a!.close();
      await b!.close();
      await store.close();
    }
  });
});
