import { Keyv } from 'keyv';
import { noAnswerWithin, withDeadline } from '../util/deadline.js';
import { exponentialBackoff } from '../util/retry.js';
import { RedisHistoryStore } from '../history/redis-history.js';
import { RedisSpendCounter } from '../spend/redis-spend.js';
import { RedisJobLedger } from '../jobs/ledger.js';
import { createRedisKieBudgets } from '../kie/index.js';
import { RedisQuotaCounter } from '../quota/redis-counter.js';
import type { RedisClient } from './redis-client.js';
import { describeStoreError, once, StorageError, warnStoreError } from './errors.js';
import { DEFAULT_KEY_PREFIX, STORAGE_URL_USAGE, type OpenStorageOptions, type Storage } from './types.js';

/** A Redis shared by every bot process that uses it: quotas, ledger, image history and KIE's request budgets. */
export interface RedisStorage extends Storage {
  readonly kind: 'redis';
  /** The connected client, for tests and maintenance; the bot itself reaches it only through kv, counters, ledger, history and budgets. */
  readonly redis: RedisClient;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 2000;

/** Connects to the Redis of a `redis://` or `rediss://` URL and checks that it answers. */
export async function openRedisStorage(url: string, options: OpenStorageOptions = {}): Promise<RedisStorage> {
  const client = await connectRedis(url, options);
  // Reservations are the one thing awaited before an acknowledgement: on their own connection they never queue
  // behind the ledger writes and budget scripts of the jobs a burst has already admitted.
  const admission = await connectRedis(url, options).catch(async (error: unknown) => {
    await redisCloser(client)();
    throw error;
  });
  const onError = options.onError ?? warnStoreError;
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const { default: KeyvRedis } = await import('@keyv/redis');
  const store = new KeyvRedis(client, { throwOnErrors: true });
  // KeyvRedis prefixes keys with its namespace itself, so Keyv must not add a second one.
  const kv = new Keyv({ store, namespace: `${keyPrefix}settings`, useKeyPrefix: false, throwOnErrors: true });
  kv.on('error', (error: unknown) => onError(error));

  return {
    kind: 'redis',
    keyPrefix,
    kv,
    counters: new RedisQuotaCounter({ client: admission, keyPrefix }),
    ledger: new RedisJobLedger(client, keyPrefix),
    history: new RedisHistoryStore(client, keyPrefix),
    spend: new RedisSpendCounter(client, keyPrefix),
    // Every bot process on this Redis shares one window, whatever their number.
    budgets: (_processes, onBudgetError) => createRedisKieBudgets(client, keyPrefix, onBudgetError),
    pruneExpiredValues: () => Promise.resolve(0),
    redis: client,
    close: once(async () => {
      await Promise.all([redisCloser(client)(), redisCloser(admission)()]);
    }),
  };
}

/**
 * A client connected to the Redis of the URL that has answered a PING, reconnecting by itself after that;
 * an unreachable or malformed URL is a StorageError naming the host, never the password. Errors after
 * start-up are the caller's to hear (the client's 'error' events are otherwise dropped).
 */
export async function connectRedis(url: string, options: Pick<OpenStorageOptions, 'connectTimeoutMs'> = {}): Promise<RedisClient> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageError(`STORAGE_URL: not a valid Redis URL (${STORAGE_URL_USAGE})`);
  }
  const where = `${parsed.hostname}:${parsed.port || '6379'}`;
  const secrets = [parsed.password, safeDecode(parsed.password)].filter((secret) => secret.length > 0);
  const fail = (what: string, error?: unknown): StorageError =>
    new StorageError(redact(`STORAGE_URL: ${what} Redis at ${where}${error === undefined ? '' : ` (${describeStoreError(error)})`}`, secrets));

  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let started = false;
  const { createClient } = await import('@keyv/redis');
  let client: RedisClient;
  try {
    client = createClient({
      url,
      socket: {
        connectTimeout,
        // No retry loop at start-up: an unreachable server is a configuration problem to report now.
        reconnectStrategy: (retries: number) => (started ? exponentialBackoff({ baseDelayMs: 100, maxDelayMs: MAX_RECONNECT_DELAY_MS }, retries + 1) : false),
      },
    });
  } catch (error) {
    throw fail('invalid URL for', error);
  }
  // Without a listener an 'error' event would crash the process. After start-up Keyv forwards them.
  client.on('error', () => {});

  try {
    // Covers a server that accepts the connection but never answers the handshake.
    const startupMs = Math.round(connectTimeout * 1.5);
    await withDeadline(
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      startupMs,
      noAnswerWithin(startupMs),
    );
  } catch (error) {
    destroyQuietly(client);
    throw fail('cannot reach', error);
  }
  started = true;
  return client;
}

/** Closes the client once, however often it is called. */
export function redisCloser(client: RedisClient): () => Promise<void> {
  return once(() => closeRedis(client));
}

async function closeRedis(client: RedisClient): Promise<void> {
  // close() lets queued commands finish; while reconnecting it could wait indefinitely.
  if (client.isReady) await client.close();
  else destroyQuietly(client);
}


function destroyQuietly(client: RedisClient): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
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

