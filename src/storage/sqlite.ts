import path from 'node:path';
import { Keyv } from 'keyv';
import { SqliteHistoryStore } from '../history/sqlite-history.js';
import { SqliteSpendCounter } from '../spend/sqlite-spend.js';
import { SqliteJobLedger } from '../jobs/ledger.js';
import { shareOfKieBudgets } from '../kie/index.js';
import { SqliteQuotaCounter } from '../quota/sqlite-counter.js';
import { describeStoreError, once, StorageError, warnStoreError } from './errors.js';
import { openSqliteDatabase, type SqliteDatabase, type SqliteHandle } from './sqlite-database.js';
import { SqliteKeyvStore } from './sqlite-keyv-store.js';
import { DEFAULT_KEY_PREFIX, STORAGE_URL_USAGE, type OpenStorageOptions, type Storage } from './types.js';


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

  let db: SqliteDatabase;
  try {
    // The driver is loaded only here: a Redis bot never loads SQLite, nor a SQLite bot Redis's client.
    db = await openSqliteDatabase(file, { busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof StorageError) throw new StorageError(`STORAGE_URL: ${error.message}`);
    throw new StorageError(`STORAGE_URL: cannot open the SQLite database ${file} (${describeStoreError(error)})`);
  }

  const store = new SqliteKeyvStore(db, { file });
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const kv = new Keyv({ store, namespace: `${keyPrefix}settings`, throwOnErrors: true });
  kv.on('error', onError);

  let counters: SqliteQuotaCounter;
  let history: SqliteHistoryStore;
  let spend: SqliteSpendCounter;
  let ledger: SqliteJobLedger;
  try {
    // In WAL mode NORMAL loses nothing when the process crashes, only (at worst) the last commits on a power
    // cut, and saves an fsync per quota reservation, which /imagine makes before Discord's 3 s deadline.
    await db.query('PRAGMA synchronous = NORMAL');
    counters = await SqliteQuotaCounter.create(db, { onError });
    history = await SqliteHistoryStore.create(db);
    spend = await SqliteSpendCounter.create(db);
    ledger = await SqliteJobLedger.create(db);
    // Creates the key-value table now, so a broken file fails here rather than on the first setting.
    await store.has(`${keyPrefix}settings:`);
  } catch (error) {
    await db.close().catch(() => {});
    throw new StorageError(`STORAGE_URL: cannot open the SQLite database ${file} (${describeStoreError(error)})`);
  }

  return {
    kind: 'sqlite',
    keyPrefix,
    kv,
    counters,
    ledger,
    history,
    spend,
    budgets: (processes) => shareOfKieBudgets(processes),
    pruneExpiredValues: () => store.deleteExpired(),
    sqlite: db,
    close: once(() => db.close()),
  };
}
