import type { RedisClient, SqliteHandle, Storage } from '../../src/storage/index.js';

/** The raw SQLite file under a storage, for tests that look at the tables themselves. */
export function sqliteOf(storage: Storage): SqliteHandle {
  if (storage.kind !== 'sqlite' || !('sqlite' in storage)) throw new Error(`expected SQLite storage, got ${storage.kind}`);
  return (storage as Storage & { sqlite: SqliteHandle }).sqlite;
}

/** The raw Redis client under a storage, for tests that look at the keys themselves. */
export function redisOf(storage: Storage): RedisClient {
  if (storage.kind !== 'redis' || !('redis' in storage)) throw new Error(`expected Redis storage, got ${storage.kind}`);
  return (storage as Storage & { redis: RedisClient }).redis;
}
