import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createRedisKieBudgets, RedisSlidingWindowBudget } from '../../src/kie/index.js';
import { RedisFairBudget } from '../../src/kie/redis-fair-budget.js';
import { openStorage, type RedisClient } from '../../src/storage/index.js';
import { keysWithPrefix, openTestRedisStorage, redisTestUrl, uniqueKeyPrefix } from '../helpers/redis.js';
import { startWorker } from '../helpers/worker.js';
import { redisOf } from '../helpers/storage.js';

const WORKER = fileURLToPath(new URL('./redis-budget-worker.ts', import.meta.url));
/** Local grant times are taken after the Redis round trip; allow that much disagreement with Redis's clock. */
const CLOCK_SLACK_MS = 30;

const children: ChildProcessWithoutNullStreams[] = [];

/** A fresh connection; the test's keys are deleted and the connection closed when the test ends. */
async function connect(prefix: string): Promise<RedisClient> {
  const opened = await openTestRedisStorage(prefix);
  onTestFinished(() => opened.close());
  return opened.redis;
}

/** Counts the grants Redis handed out (the script answers 0 for a grant). */
function countingGrants(redis: Pick<RedisClient, 'sendCommand'>): Pick<RedisClient, 'sendCommand'> & { grants: number; calls: number } {
  const counter = {
    grants: 0,
    calls: 0,
    // node-redis types the reply by the caller's T; this stand-in passes the real one through unchanged.
    sendCommand: (async (args: readonly string[]) => {
      counter.calls += 1;
      const reply = await redis.sendCommand(args);
      if (Number(reply) === 0) counter.grants += 1;
      return reply;
    }) as RedisClient['sendCommand'],
  };
  return counter;
}

/** The most grant times inside any window of windowMs. */
function mostInAnyWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

function deferredTimes(count: number, acquire: () => Promise<void>): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, () => acquire().then(() => Date.now())));
}

describe.skipIf(!redisTestUrl())('RedisSlidingWindowBudget (real Redis)', () => {
  it('grants at most limit per window across two instances on separate connections sharing a key', async () => {
    const prefix = uniqueKeyPrefix();
    const key = `${prefix}window`;
    const [first, second] = [await connect(prefix), await connect(prefix)];
    const limit = 4;
    const windowMs = 400;
    const a = new RedisSlidingWindowBudget({ redis: first, key, limit, windowMs });
    const b = new RedisSlidingWindowBudget({ redis: second, key, limit, windowMs });
    const started = Date.now();
    const [fromA, fromB] = await Promise.all([deferredTimes(12, () => a.acquire()), deferredTimes(12, () => b.acquire())]);
    const all = [...fromA, ...fromB];
    expect(all).toHaveLength(24);
    expect(mostInAnyWindow(all, windowMs - CLOCK_SLACK_MS)).toBeLessThanOrEqual(limit);
    // 24 grants at 4 per window need 6 windows: the last one cannot come before 5 full windows passed.
    expect(Math.max(...all) - started).toBeGreaterThanOrEqual(5 * windowMs - CLOCK_SLACK_MS);
    // Both processes' instances were served, not one starved until the other finished.
    expect(Math.min(...fromB)).toBeLessThan(Math.max(...fromA));
    expect(Math.min(...fromA)).toBeLessThan(Math.max(...fromB));
  });

  it('grants at most limit per window across two processes', async () => {
    const prefix = uniqueKeyPrefix();
    await connect(prefix); // only to delete the key afterwards
    const key = `${prefix}window`;
    const limit = 4;
    const windowMs = 400;
    const args = [redisTestUrl()!, key, String(limit), String(windowMs), '8'];
    const workers = [0, 1].map(() => startWorker<{ grants: number[] }>(WORKER, args));
    children.push(...workers.map((worker) => worker.process));
    await Promise.all(workers.map((worker) => worker.ready));
    const started = Date.now();
    for (const worker of workers) worker.go();
    const results = await Promise.all(workers.map((worker) => worker.result));
    const all = results.flatMap((result) => result.grants);
    expect(all).toHaveLength(16);
    expect(mostInAnyWindow(all, windowMs - CLOCK_SLACK_MS)).toBeLessThanOrEqual(limit);
    expect(Math.max(...all) - started).toBeGreaterThanOrEqual(3 * windowMs - CLOCK_SLACK_MS);
  });

  it('serves the callers of one instance first come, first served', async () => {
    const prefix = uniqueKeyPrefix();
    const budget = new RedisSlidingWindowBudget({ redis: await connect(prefix), key: `${prefix}fifo`, limit: 3, windowMs: 250 });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 9 }, (_, index) => budget.acquire().then(() => order.push(index))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reports each waiter its place in line, and 0 once granted after waiting', async () => {
    const prefix = uniqueKeyPrefix();
    const budget = new RedisSlidingWindowBudget({ redis: await connect(prefix), key: `${prefix}positions`, limit: 1, windowMs: 300 });
    const positions: number[][] = [[], [], []];
    await Promise.all(positions.map((seen) => budget.acquire({ onPosition: (position) => seen.push(position) })));
    // Like the in-process budget: a caller granted at once hears nothing; the others count down to 0.
    expect(positions).toEqual([[], [1, 0], [2, 1, 0]]);
    expect(budget.queued).toBe(0);
  });

  it('keeps serving the line when a progress callback throws', async () => {
    const prefix = uniqueKeyPrefix();
    const budget = new RedisSlidingWindowBudget({ redis: await connect(prefix), key: `${prefix}throwing`, limit: 1, windowMs: 200 });
    const throwing = () => {
      throw new Error('progress display broke');
    };
    const granted: string[] = [];
    await Promise.race([
      Promise.all([
        budget.acquire({ onPosition: throwing }).then(() => granted.push('first')),
        budget.acquire({ onPosition: throwing }).then(() => granted.push('second')),
        budget.acquire().then(() => granted.push('third')),
      ]),
      new Promise((resolve) => setTimeout(resolve, 3_000)),
    ]);
    expect(granted).toEqual(['first', 'second', 'third']);
  });

  it('an aborted waiter leaves the line without spending a grant', async () => {
    const prefix = uniqueKeyPrefix();
    const redis = countingGrants(await connect(prefix));
    const budget = new RedisSlidingWindowBudget({ redis, key: `${prefix}abort`, limit: 1, windowMs: 400 });
    await budget.acquire();
    const controller = new AbortController();
    const aborted = budget.acquire({ signal: controller.signal });
    const lastPositions: number[] = [];
    let heardPosition: () => void = () => {};
    const waitingInLine = new Promise<void>((resolve) => (heardPosition = resolve));
    const last = budget.acquire({
      onPosition: (position) => {
        lastPositions.push(position);
        heardPosition();
      },
    });
    await waitingInLine;
    expect(budget.queued).toBe(2);
    controller.abort(new Error('member gave up'));
    await expect(aborted).rejects.toThrow('member gave up');
    expect(budget.queued).toBe(1);
    await last;
    expect(lastPositions).toEqual([2, 1, 0]);
    expect(redis.grants).toBe(2);
    // An already aborted signal is refused at once, before any Redis call.
    const calls = redis.calls;
    await expect(budget.acquire({ signal: AbortSignal.abort(new Error('too late')) })).rejects.toThrow('too late');
    expect(redis.calls).toBe(calls);
  });

  it('waits and retries while Redis is unavailable instead of granting', async () => {
    const prefix = uniqueKeyPrefix();
    const live = await connect(prefix);
    const closed = await openStorage(redisTestUrl()!, { keyPrefix: prefix });
    await closed.close(); // every command on its client now fails, as on a lost connection
    let current: Pick<RedisClient, 'sendCommand'> = redisOf(closed);
    const errors: unknown[] = [];
    const sleeps: number[] = [];
    const budget = new RedisSlidingWindowBudget({
      redis: { sendCommand: (args) => current.sendCommand(args) },
      key: `${prefix}outage`,
      limit: 5,
      windowMs: 1_000,
      onError: (error) => errors.push(error),
      // Records the back-off but waits only briefly, so the test stays fast.
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    let granted = false;
    const acquired = budget.acquire().then(() => (granted = true));
    await waitUntil(() => errors.length >= 3);
    expect(granted).toBe(false);
    expect(budget.queued).toBe(1);
    expect(sleeps.slice(0, 3)).toEqual([500, 1_000, 2_000]);
    current = live; // Redis is back
    await acquired;
    expect(granted).toBe(true);
    expect(await keysWithPrefix(live, prefix)).toEqual([`${prefix}outage`]);
  });

  it('createRedisKieBudgets keeps one window per kind under the key prefix, at KIE limits', async () => {
    const prefix = uniqueKeyPrefix();
    const redis = await connect(prefix);
    const budgets = createRedisKieBudgets(redis, prefix);
    const started = Date.now();
    await budgets.create.acquire();
    const polls = await deferredTimes(11, () => budgets.poll.acquire());
    const keys = await keysWithPrefix(redis, prefix);
    expect(keys).toContain(`${prefix}kie:budget:create`);
    expect(keys).toContain(`${prefix}kie:budget:poll`);
    // The create budget's fair line: its owner lease and the starts of the last ten minutes; the line itself is empty.
    expect(keys.filter((key) => !key.includes(':budget:')).every((key) => /kie:(line:owner|starts):/.test(key))).toBe(true);
    // 10 recordInfo per second (+100 ms margin): the 11th waits for the first to leave the window.
    expect(polls.slice(0, 10).every((at) => at - started < 900)).toBe(true);
    expect(polls[10]! - started).toBeGreaterThanOrEqual(1_100 - CLOCK_SLACK_MS);
    // The windows expire on their own (PEXPIRE = window + margin).
    const ttl = Number(await redis.sendCommand(['PTTL', `${prefix}kie:budget:create`]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_500);
  });
});

describe.skipIf(!redisTestUrl())('RedisFairBudget (real Redis)', () => {
  const claimant = (userId: string, arrivedAt: number, priority = false) => ({ userId, guildId: '1', arrivedAt, priority });

  it('one line for two instances: the member with the fewest recent starts goes next, whichever instance holds it', async () => {
    const prefix = uniqueKeyPrefix();
    const [first, second] = [await connect(prefix), await connect(prefix)];
    const options = { keyPrefix: prefix, limit: 2, windowMs: 300 };
    const a = new RedisFairBudget({ redis: first, ...options });
    const b = new RedisFairBudget({ redis: second, ...options });
    const order: string[] = [];
    const heavy = Array.from({ length: 5 }, (_, i) => a.acquire({ claimant: claimant('10', 1_000 + i) }).then(() => order.push(`heavy${i}`)));
    await waitUntil(() => order.length >= 2);
    const light = [
      b.acquire({ claimant: claimant('20', 2_000) }).then(() => order.push('light20')),
      a.acquire({ claimant: claimant('30', 2_001) }).then(() => order.push('light30')),
      b.acquire({ claimant: claimant('40', 2_002, true) }).then(() => order.push('priority40')),
    ];
    await Promise.all([...heavy, ...light]);
    expect(order.slice(0, 2)).toEqual(['heavy0', 'heavy1']);
    // The priority member first; then the two with no starts, by arrival; then the heavy member.
    expect(order.slice(2, 5)).toEqual(['priority40', 'light20', 'light30']);
    expect(order.slice(5)).toEqual(['heavy2', 'heavy3', 'heavy4']);
  });

  it('drops the waiters of a process that stopped calling (its lease lapsed), so they block nobody', async () => {
    const prefix = uniqueKeyPrefix();
    const live = await connect(prefix);
    let reachable = true;
    const flaky: Pick<RedisClient, 'sendCommand'> = {
      sendCommand: (args) => (reachable ? live.sendCommand(args) : Promise.reject(new Error('gone'))),
    };
    const options = { keyPrefix: prefix, limit: 1, windowMs: 200, leaseMs: 300 };
    const dying = new RedisFairBudget({ redis: flaky, ...options, sleep: () => new Promise(() => undefined) });
    const healthy = new RedisFairBudget({ redis: live, ...options });
    await healthy.acquire({ claimant: claimant('1', 0) });
    // The dying process's waiter arrived first and has no starts: it would be next, but its process goes away.
    void dying.acquire({ claimant: claimant('2', 1) }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    reachable = false;
    const started = Date.now();
    await healthy.acquire({ claimant: claimant('3', 2) });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
