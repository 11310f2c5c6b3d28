import { openRedisStorage, type RedisStorage } from './redis.js';
import { openSqliteStorage, type SqliteStorage } from './sqlite.js';
import { StorageError } from './errors.js';
import { STORAGE_URL_USAGE, type OpenStorageOptions } from './types.js';

export { isStoreError, StorageError } from './errors.js';
export type { RedisStorage } from './redis.js';
export type { RedisClient } from './redis-client.js';
export type { SqliteStorage } from './sqlite.js';
export type { SqliteHandle } from './sqlite-database.js';
export type { OpenStorageOptions, Storage } from './types.js';

/** Either backend, with its raw handle for tests; the bot takes it as a plain Storage. */
export type OpenedStorage = SqliteStorage | RedisStorage;

/**
 * Opens the store named by STORAGE_URL and checks that it answers before resolving:
 * `sqlite://relative/path`, `sqlite:///absolute/path`, `redis://[user:pass@]host:port[/db]` or `rediss://…`.
 * The one place the backend is chosen.
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<OpenedStorage> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new StorageError(`STORAGE_URL: not a URL (${STORAGE_URL_USAGE})`);
  switch (scheme) {
    case 'sqlite':
      return openSqliteStorage(url, options);
    case 'redis':
    case 'rediss':
      return openRedisStorage(url, options);
    default:
      throw new StorageError(`STORAGE_URL: unsupported scheme "${scheme}:" (${STORAGE_URL_USAGE})`);
  }
}
