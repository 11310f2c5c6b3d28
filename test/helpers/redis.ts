import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { openStorage, type RedisClient, type Storage } from '../../src/storage/index.js';
import { redisOf } from './storage.js';

/** The Redis found by the global setup, or undefined (then use describe.skipIf(!redisTestUrl())). */
export function redisTestUrl(): string | undefined {
  return inject('redisUrl') ?? undefined;
}

/** A key prefix no other test uses. */
export function uniqueKeyPrefix(): string {
  return `imagine-test:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under the prefix (SCAN, never KEYS) and returns how many went. */
export async function deleteKeysWithPrefix(client: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const page = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 });
    cursor = String(page.cursor);
    if (page.keys.length > 0) deleted += await client.del(page.keys);
  } while (cursor !== '0');
  return deleted;
}

/** The keys under the prefix, sorted. */
export async function keysWithPrefix(client: RedisClient, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...batch);
  return keys.sort();
}

export interface TestRedisStorage {
  storage: Storage;
  keyPrefix: string;
  redis: RedisClient;
  /** Deletes the prefix's keys, then closes the connection. */
  close(): Promise<void>;
}

/** Opens the test Redis under a fresh key prefix. */
export async function openTestRedisStorage(keyPrefix = uniqueKeyPrefix()): Promise<TestRedisStorage> {
  const url = redisTestUrl();
  if (url === undefined) throw new Error('no Redis for tests (guard the suite with describe.skipIf(!redisTestUrl()))');
  const storage = await openStorage(url, { keyPrefix });
  const redis = redisOf(storage);
  if (redis === undefined) throw new Error('a redis:// storage without a client');
  return {
    storage,
    keyPrefix,
    redis,
    close: async () => {
      try {
        await deleteKeysWithPrefix(redis, keyPrefix);
      } finally {
        await storage.close();
      }
    },
  };
}

/**
 * Store options for a test bot on the test Redis under a fresh key prefix; `defer` deletes the prefix's keys
 * after the test. Call it before starting the bot, so the cleanup runs after the bot is closed (teardowns
 * run last first), with a connection of its own.
 */
export function redisBotStorage(defer: (cleanup: () => Promise<unknown>) => void): { storageUrl: string; storageKeyPrefix: string } {
  const url = redisTestUrl();
  if (url === undefined) throw new Error('no Redis for tests (guard the suite with describe.skipIf(!redisTestUrl()))');
  const keyPrefix = uniqueKeyPrefix();
  defer(async () => {
    const cleaner = await openStorage(url, { keyPrefix });
    try {
      await deleteKeysWithPrefix(redisOf(cleaner), keyPrefix);
    } finally {
      await cleaner.close();
    }
  });
  return { storageUrl: url, storageKeyPrefix: keyPrefix };
}
