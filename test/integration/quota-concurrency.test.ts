import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { deleteKeysWithPrefix, openTestRedisStorage, redisTestUrl, uniqueKeyPrefix, type TestRedisStorage } from '../helpers/redis.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { startWorker } from '../helpers/worker.js';

const WORKER = fileURLToPath(new URL('./quota-worker.ts', import.meta.url));
const SCOPE = { guildId: 'g-race', userId: 'u-race', day: '2024-03-10' };
const LIMIT = 3;
const GUILD_CAP = 5;
const CAP_GUILD = 'g-cap-race';

const children: ChildProcessWithoutNullStreams[] = [];

/**
 * Two processes each fire `perProcess` reserves at once, after a common start signal: at the same member,
 * or (with a guild cap) each at a distinct member of CAP_GUILD, racing for the server cap.
 */
async function raceTwoProcesses(url: string, keyPrefix: string, perProcess: number, guildCap?: number): Promise<number[]> {
  const argsFor = (index: number) =>
    guildCap === undefined
      ? [url, keyPrefix, SCOPE.guildId, SCOPE.userId, SCOPE.day, String(LIMIT), String(perProcess)]
      : [url, keyPrefix, CAP_GUILD, `member${index}`, SCOPE.day, String(LIMIT), String(perProcess), String(guildCap)];
  const workers = [0, 1].map((index) => startWorker<{ granted: number; refused: number }>(WORKER, argsFor(index)));
  children.push(...workers.map((worker) => worker.process));
  await Promise.all(workers.map((worker) => worker.ready));
  for (const worker of workers) worker.go();
  const results = await Promise.all(workers.map((worker) => worker.result));
  for (const result of results) expect(result.granted + result.refused).toBe(perProcess);
  return results.map((result) => result.granted);
}

async function fiftyAtOnce(storages: Storage[]): Promise<number> {
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, index) => storages[index % storages.length]!.counters.reserve(SCOPE, LIMIT)),
  );
  return results.filter((result) => result.granted).length;
}

describe('quota reserve under concurrency: SQLite', () => {
  let dir: TempDir;
  const useTempDir = async () => {
    const created = await createTempDir();
    dir = created;
    onTestFinished(() => created.remove());
  };
  const openFile = async () => {
    const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    onTestFinished(() => storage.close());
    return storage;
  };

  it('grants exactly 3 of 50 concurrent reserves in one process', async () => {
    await useTempDir();
    const storage = await openFile();
    expect(await fiftyAtOnce([storage])).toBe(LIMIT);
    expect(await storage.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly 3 of 50 spread over two connections to the same file', async () => {
    await useTempDir();
    const storages = [await openFile(), await openFile()];
    expect(await fiftyAtOnce(storages)).toBe(LIMIT);
    expect(await storages[0]!.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly 3 of 2 × 25 reserves from two processes sharing the file', async () => {
    await useTempDir();
    const url = `sqlite://${dir.file('bot.sqlite')}`;
    const granted = await raceTwoProcesses(url, 'imagine:', 25);
    expect(granted[0]! + granted[1]!).toBe(LIMIT);
    const storage = await openFile();
    expect(await storage.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly the server cap of 5 of 2 × 25 reserves by distinct members from two processes', async () => {
    await useTempDir();
    const url = `sqlite://${dir.file('bot.sqlite')}`;
    const granted = await raceTwoProcesses(url, 'imagine:', 25, GUILD_CAP);
    expect(granted[0]! + granted[1]!).toBe(GUILD_CAP);
    const storage = await openFile();
    expect(await storage.counters.guildUsed(CAP_GUILD, SCOPE.day)).toBe(GUILD_CAP);
    expect(await storage.counters.guildDay(CAP_GUILD, SCOPE.day)).toHaveLength(GUILD_CAP);
  });
});

describe.skipIf(redisTestUrl() === undefined)('quota reserve under concurrency: Redis', () => {
  const openRedis = async (keyPrefix?: string): Promise<TestRedisStorage> => {
    const opened = await openTestRedisStorage(keyPrefix);
    onTestFinished(() => opened.close());
    return opened;
  };

  it('grants exactly 3 of 50 concurrent reserves in one process', async () => {
    const { storage } = await openRedis();
    expect(await fiftyAtOnce([storage])).toBe(LIMIT);
    expect(await storage.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly 3 of 50 spread over two connections', async () => {
    const first = await openRedis();
    const second = await openStorage(redisTestUrl()!, { keyPrefix: first.keyPrefix });
    onTestFinished(() => second.close());
    expect(await fiftyAtOnce([first.storage, second])).toBe(LIMIT);
    expect(await first.storage.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly 3 of 2 × 25 reserves from two processes sharing one Redis', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const { storage, redis } = await openRedis(keyPrefix);
    const granted = await raceTwoProcesses(redisTestUrl()!, keyPrefix, 25);
    expect(granted[0]! + granted[1]!).toBe(LIMIT);
    expect(await storage.counters.used(SCOPE)).toBe(LIMIT);
    // The member hash, the guild-day total and the bot's day total (the operator's budget).
    expect(await deleteKeysWithPrefix(redis, keyPrefix)).toBe(3);
  });

  it('grants exactly the server cap of 5 of 2 × 25 reserves by distinct members from two processes', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const { storage } = await openRedis(keyPrefix);
    const granted = await raceTwoProcesses(redisTestUrl()!, keyPrefix, 25, GUILD_CAP);
    expect(granted[0]! + granted[1]!).toBe(GUILD_CAP);
    expect(await storage.counters.guildUsed(CAP_GUILD, SCOPE.day)).toBe(GUILD_CAP);
    expect(await storage.counters.guildDay(CAP_GUILD, SCOPE.day)).toHaveLength(GUILD_CAP);
  });
});
