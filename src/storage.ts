import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { createClient } from '@keyv/redis';
import { Keyv } from 'keyv';
import type { QuotaCounter } from './quota/counter.js';
import { RedisQuotaCounter } from './quota/redis-counter.js';
import { SqliteQuotaCounter } from './quota/sqlite-counter.js';

/** Storage could not be opened; the message is one line naming STORAGE_URL, never its password. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
}

export type RedisClient = ReturnType<typeof createClient>;

export interface SqliteHandle {
  query(sql: string, ...params: unknown[]): Promise<unknown[]>;
}

export interface Storage {
  readonly kind: 'sqlite' | 'redis';
  /** The prefix of every Redis key and of the Keyv namespace. */
  readonly keyPrefix: string;
  /** Settings and other small values; built with throwOnErrors, so failed reads and writes reject. */
  readonly kv: Keyv;
  readonly counters: QuotaCounter;
  readonly sqlite?: SqliteHandle;
  /** The connected Redis client (redis:// and rediss:// only). */
  readonly redis?: RedisClient;
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  /** Prefixes every Redis key and the Keyv namespace (tests use it for isolation). Default 'imagine:'. */
  keyPrefix?: string;
  /** Receives store errors that happen after start-up (Redis reconnects, failed background work). Default: console.warn. */
  onError?: (error: unknown) => void;
  /** How long the Redis TCP/TLS connect may take at start-up (the whole start-up: 1.5×). Default 2000 ms. */
  connectTimeoutMs?: number;
}

const USAGE = 'use sqlite://PATH or redis://HOST:PORT';
const DEFAULT_KEY_PREFIX = 'imagine:';
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Opens the store named by STORAGE_URL and checks that it answers before resolving:
 * `sqlite://relative/path`, `sqlite:///absolute/path`, `redis://[user:pass@]host:port[/db]` or `rediss://…`.
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new StorageError(`STORAGE_URL: not a URL (${USAGE})`);
  switch (scheme) {
    case 'sqlite':
      return openSqlite(url, options);
    case 'redis':
    case 'rediss':
      return openRedis(url, options);
    default:
      throw new StorageError(`STORAGE_URL: unsupported scheme "${scheme}:" (${USAGE})`);
  }
}

async function openSqlite(url: string, options: OpenStorageOptions): Promise<Storage> {
  const match = /^sqlite:\/\/(.+)$/i.exec(url);
  if (!match?.[1]) throw new StorageError(`STORAGE_URL: sqlite:// needs a file path (${USAGE})`);
  const file = path.resolve(match[1]);
  const onError = options.onError ?? warn;

  try {
    await mkdir(path.dirname(file), { recursive: true });
  } catch (error) {
    throw new StorageError(`STORAGE_URL: cannot create the folder for the SQLite database ${file} (${describe(error)})`);
  }

  // Each store's driver is loaded only when it is used: a SQLite bot never holds Redis's client in memory
  // (about 10 MB of RSS), nor a Redis bot SQLite's.
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  const store = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
  // KeyvSqlite starts connecting in its constructor; the Keyv built here listens to its 'error'
  // event at once, and the first query below observes a failed connection.
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const kv = new Keyv({ store, namespace: `${keyPrefix}settings`, throwOnErrors: true });
  let started = false;
  // A failed start-up is reported once, as the StorageError below.
  kv.on('error', (error: unknown) => {
    if (started) onError(error);
  });
  const sqlite: SqliteHandle = { query: (sql, ...params) => store.query(sql, ...params) };

  let counters: SqliteQuotaCounter;
  try {
    // WAL lets several processes share the file; every write still holds SQLite's single write lock.
    await sqlite.query('PRAGMA journal_mode = WAL');
    // In WAL mode NORMAL loses nothing when the process crashes, only (at worst) the last commits on a power
    // cut, and saves an fsync per quota reservation, which /imagine makes before Discord's 3 s deadline.
    await sqlite.query('PRAGMA synchronous = NORMAL');
    counters = await SqliteQuotaCounter.create(sqlite, { onError });
  } catch (error) {
    await store.close().catch(() => {});
    throw new StorageError(`STORAGE_URL: cannot open the SQLite database ${file} (${describe(error)})`);
  }
  started = true;

  return {
    kind: 'sqlite',
    keyPrefix,
    kv,
    counters,
    sqlite,
    close: once(() => store.close()),
  };
}

async function openRedis(url: string, options: OpenStorageOptions): Promise<Storage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageError(`STORAGE_URL: not a valid Redis URL (${USAGE})`);
  }
  const where = `${parsed.hostname}:${parsed.port || '6379'}`;
  const secrets = [parsed.password, safeDecode(parsed.password)].filter((secret) => secret.length > 0);
  const fail = (what: string, error?: unknown): StorageError =>
    new StorageError(redact(`STORAGE_URL: ${what} Redis at ${where}${error === undefined ? '' : ` (${describe(error)})`}`, secrets));

  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let started = false;
  const { default: KeyvRedis, createClient } = await import('@keyv/redis');
  let client: RedisClient;
  try {
    client = createClient({
      url,
      socket: {
        connectTimeout,
        // No retry loop at start-up: an unreachable server is a configuration problem to report now.
        reconnectStrategy: (retries: number) => (started ? Math.min(100 * 2 ** retries, MAX_RECONNECT_DELAY_MS) : false),
      },
    });
  } catch (error) {
    throw fail('invalid URL for', error);
  }
  // Without a listener an 'error' event would crash the process. After start-up Keyv forwards them.
  client.on('error', () => {});

  try {
    await withTimeout(
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      // Covers a server that accepts the connection but never answers the handshake.
      Math.round(connectTimeout * 1.5),
    );
  } catch (error) {
    destroyQuietly(client);
    throw fail('cannot reach', error);
  }
  started = true;

  const onError = options.onError ?? warn;
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const store = new KeyvRedis(client, { throwOnErrors: true });
  // KeyvRedis prefixes keys with its namespace itself, so Keyv must not add a second one.
  const kv = new Keyv({ store, namespace: `${keyPrefix}settings`, useKeyPrefix: false, throwOnErrors: true });
  kv.on('error', (error: unknown) => onError(error));

  return {
    kind: 'redis',
    keyPrefix,
    kv,
    counters: new RedisQuotaCounter({ client, keyPrefix }),
    redis: client,
    close: once(async () => {
      // close() lets queued commands finish; while reconnecting it could wait indefinitely.
      if (client.isReady) await client.close();
      else destroyQuietly(client);
    }),
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function destroyQuietly(client: RedisClient): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action());
}

/** A short reason: the system error code when there is one, else the first line of the message. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const cause = error.cause;
    if (cause instanceof Error && cause !== error) return describe(cause);
    const firstLine = error.message.split('\n', 1)[0]?.trim() ?? '';
    return (firstLine || error.name).slice(0, 160);
  }
  return String(error).slice(0, 160);
}

function redact(message: string, secrets: string[]): string {
  return secrets.reduce((text, secret) => text.split(secret).join('***'), message);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function warn(error: unknown): void {
  console.warn(`storage: ${describe(error)}`);
}

const REDIS_CONNECTION_ERRORS = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'SocketClosedUnexpectedlyError',
  'ReconnectStrategyError',
]);

/** Whether an error means the store could not be reached or used, as opposed to a bug in the caller. */
export function isStoreError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return true;
    if (REDIS_CONNECTION_ERRORS.has(current.name) || REDIS_CONNECTION_ERRORS.has(current.constructor.name)) return true;
    if (current instanceof StorageError) return true;
  }
  return false;
}
