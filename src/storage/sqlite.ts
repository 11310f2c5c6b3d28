import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Keyv } from 'keyv';
import { SqliteHistoryStore } from '../history/sqlite-history.js';
import { SqliteSpendCounter } from '../spend/sqlite-spend.js';
import { SqliteJobLedger } from '../jobs/ledger.js';
import { shareOfKieBudgets } from '../kie/index.js';
import { SqliteQuotaCounter } from '../quota/sqlite-counter.js';
import { describeStoreError, once, StorageError, warnStoreError } from './errors.js';
import { DEFAULT_KEY_PREFIX, STORAGE_URL_USAGE, type OpenStorageOptions, type Storage } from './types.js';

export interface SqliteHandle {
  query(sql: string, ...params: unknown[]): Promise<unknown[]>;
}

/** The bot's SQLite file: one process, or several sharing the file (WAL). */
export interface SqliteStorage extends Storage {
  readonly kind: 'sqlite';
  /** The raw file, for tests and maintenance; the bot itself reaches it only through kv, counters, ledger and history. */
  readonly sqlite: SqliteHandle;
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Opens (creating it if needed) the SQLite file of a `sqlite://` URL and checks that it answers. */
export async function openSqliteStorage(url: string, options: OpenStorageOptions = {}): Promise<SqliteStorage> {
  const match = /^sqlite:\/\/(.+)$/i.exec(url);
  if (!match?.[1]) throw new StorageError(`STORAGE_URL: sqlite:// needs a file path (${STORAGE_URL_USAGE})`);
  const file = path.resolve(match[1]);
  const onError = options.onError ?? warnStoreError;

  try {
    await mkdir(path.dirname(file), { recursive: true });
  } catch (error) {
    throw new StorageError(`STORAGE_URL: cannot create the folder for the SQLite database ${file} (${describeStoreError(error)})`);
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
  let history: SqliteHistoryStore;
  let spend: SqliteSpendCounter;
  try {
    // WAL lets several processes share the file; every write still holds SQLite's single write lock.
    await sqlite.query('PRAGMA journal_mode = WAL');
    // In WAL mode NORMAL loses nothing when the process crashes, only (at worst) the last commits on a power
    // cut, and saves an fsync per quota reservation, which /imagine makes before Discord's 3 s deadline.
    await sqlite.query('PRAGMA synchronous = NORMAL');
    counters = await SqliteQuotaCounter.create(sqlite, { onError });
    history = await SqliteHistoryStore.create(sqlite);
    spend = await SqliteSpendCounter.create(sqlite);
  } catch (error) {
    await store.close().catch(() => {});
    throw new StorageError(`STORAGE_URL: cannot open the SQLite database ${file} (${describeStoreError(error)})`);
  }
  started = true;

  return {
    kind: 'sqlite',
    keyPrefix,
    kv,
    counters,
    ledger: new SqliteJobLedger(sqlite),
    history,
    spend,
    budgets: (processes) => shareOfKieBudgets(processes),
    sqlite,
    close: once(() => store.close()),
  };
}

