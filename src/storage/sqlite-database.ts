import { systemClock } from '../clock.js';
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as NodeSqlite from 'node:sqlite';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { retrying } from '../util/retry.js';
import { describeStoreError, StorageError } from './errors.js';

/** Runs one SQL statement and resolves to its rows (none for a write without RETURNING). */
export interface SqliteHandle {
  query(sql: string, ...params: unknown[]): Promise<unknown[]>;
  /**
   * `query` with a group commit: the statements asked for in one tick (one callback and the promises it
   * settles) run together in one transaction, so a burst of them pays for one commit instead of one each.
   * Each statement still changes all it changes or nothing; a failed commit fails every statement of the
   * group (none took effect).
   */
  queryGrouped(sql: string, ...params: unknown[]): Promise<unknown[]>;
}

/**
 * The one way a store makes its tables: each statement (CREATE TABLE/INDEX IF NOT EXISTS) in order, at
 * start-up, so a file that cannot hold them fails there and not on a member's first command.
 */
export async function createTables(db: SqliteHandle, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await db.query(statement);
}

/** An open SQLite file: the statements and, once, the close. */
export interface SqliteDatabase extends SqliteHandle {
  readonly file: string;
  close(): Promise<void>;
}

export interface OpenSqliteDatabaseOptions {
  /** How long a statement waits in all for another connection's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number | undefined;
  /** Loads the driver; tests pass one that fails as an old Node does. */
  loadDriver?: () => Promise<typeof NodeSqlite>;
}

/** The oldest Node whose built-in `node:sqlite` the bot is tested with. */
export const NODE_FOR_SQLITE = '24';

interface GroupedStatement {
  sql: string;
  params: unknown[];
  resolve: (rows: unknown[]) => void;
  reject: (error: unknown) => void;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
// A statement waits for the lock inside SQLite (blocking the event loop) at most this long at a time; past
// that it gives the loop back and tries again, until busyTimeoutMs has passed.
const BLOCKING_WAIT_MS = 20;
const RETRY_PAUSE_MS = 5;
const STATEMENT_CACHE_SIZE = 200;
// The file holds live interaction tokens: only the bot's user may read it, its WAL and shared-memory files.
const FILE_MODE = 0o600;
const FOLDER_MODE = 0o700;

/**
 * Opens (creating it if needed) a SQLite file through Node's built-in driver, loaded only here so a
 * Redis bot never loads it. A new folder is made 0700; the file, and so its -wal and -shm (SQLite gives
 * them the database's mode), are 0600. WAL lets several processes share the file.
 * Rejects with a StorageError when the driver or the folder is missing, else with a SqliteError.
 */
export async function openSqliteDatabase(file: string, options: OpenSqliteDatabaseOptions = {}): Promise<SqliteDatabase> {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const driver = await loadSqlite(options.loadDriver ?? (() => import('node:sqlite')));
  await createPrivateFile(file);

  let db: DatabaseSync;
  try {
    db = new driver.DatabaseSync(file, { timeout: BLOCKING_WAIT_MS });
  } catch (error) {
    throw toSqliteError(error);
  }
  const statements = new Map<string, StatementSync>();

  const run = (sql: string, params: unknown[]): unknown[] => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
      statements.set(sql, statement);
    }
    // Plain objects, as other drivers give: node:sqlite's rows have no prototype.
    return statement.all(...params.map(bindable)).map((row) => ({ ...row }));
  };

  /** Runs `work` (synchronous statements) until it no longer meets another connection's write lock, or until busyTimeoutMs. */
  const untilNotBusy = <T>(work: () => T): Promise<T> => {
    const deadline = systemClock.now() + busyTimeoutMs;
    return retrying(
      async () => {
        try {
          return work();
        } catch (error) {
          throw toSqliteError(error);
        }
      },
      {
        // A statement outside a transaction that met SQLITE_BUSY changed nothing, so it can run again.
        next: (failure) => ((failure as SqliteError).code !== 'SQLITE_BUSY' || systemClock.now() >= deadline || db.isTransaction ? undefined : RETRY_PAUSE_MS),
      },
    );
  };

  let group: GroupedStatement[] = [];
  const commitGroup = async (): Promise<void> => {
    const statements = group;
    group = [];
    try {
      // IMMEDIATE takes the write lock first, so no statement inside meets SQLITE_BUSY half-way.
      await untilNotBusy(() => db.exec('BEGIN IMMEDIATE'));
    } catch (error) {
      for (const statement of statements) statement.reject(error);
      return;
    }
    // Synchronous from BEGIN to COMMIT: no other query of this connection runs inside the transaction.
    const outcomes = statements.map(({ sql, params }) => {
      try {
        // A failing statement undoes only its own changes; the others of the group still commit.
        return { rows: run(sql, params) };
      } catch (error) {
        return { error: toSqliteError(error) };
      }
    });
    try {
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      const failure = toSqliteError(error);
      for (const statement of statements) statement.reject(failure);
      return;
    }
    statements.forEach((statement, i) => {
      const outcome = outcomes[i]!;
      if ('rows' in outcome) statement.resolve(outcome.rows);
      else statement.reject(outcome.error);
    });
  };

  const database: SqliteDatabase = {
    file,
    query: (sql, ...params) => untilNotBusy(() => run(sql, params)),
    queryGrouped: (sql, ...params) =>
      new Promise((resolve, reject) => {
        // After every promise this turn can settle: the burst's other reservations join the group, and none
        // waits for the event loop's next turn (which, under a burst of socket reads, can be many ms away).
        if (group.length === 0) process.nextTick(() => void commitGroup());
        group.push({ sql, params, resolve, reject });
      }),
    close: onlyOnce(async () => {
      statements.clear();
      if (db.isOpen) db.close();
    }),
  };

  try {
    // WAL lets several processes share the file; every write still holds SQLite's single write lock.
    await database.query('PRAGMA journal_mode = WAL');
    await restrictExistingFiles(file);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

async function loadSqlite(load: () => Promise<typeof NodeSqlite>): Promise<typeof NodeSqlite> {
  try {
    return await load();
  } catch {
    throw new StorageError(
      `sqlite:// needs Node.js ${NODE_FOR_SQLITE} or newer (its built-in node:sqlite); this is Node.js ${process.versions.node}`,
    );
  }
}

/** Creates the folder (0700 when new) and the file (0600); an existing file is made 0600 too. */
async function createPrivateFile(file: string): Promise<void> {
  const folder = path.dirname(file);
  try {
    await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  } catch (error) {
    throw new StorageError(`cannot create the folder for the SQLite database ${file} (${describeStoreError(error)})`);
  }
  // 'a' creates an empty file (which SQLite takes as a new database) and never truncates one.
  const handle = await open(file, 'a', FILE_MODE).catch((error: unknown) => {
    throw toSqliteError(error);
  });
  await handle.close();
}

async function restrictExistingFiles(file: string): Promise<void> {
  for (const name of [file, `${file}-wal`, `${file}-shm`]) {
    const info = await stat(name).catch(() => undefined);
    if (info?.isFile() && (info.mode & 0o777) !== FILE_MODE) await chmod(name, FILE_MODE);
  }
}

// node:sqlite binds null, numbers, bigints, strings and bytes; as before, undefined is NULL and booleans 1/0.
function bindable(value: unknown): SQLInputValue {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as SQLInputValue;
}

/** A SQLite failure with its result code as `code` (SQLITE_BUSY, SQLITE_NOTADB, ...), like other drivers report it. */
export class SqliteError extends Error {
  override readonly name = 'SqliteError';
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${code}: ${message}`, options);
  }
}

// SQLite's primary result codes (the low byte of an extended code).
const RESULT_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  23: 'SQLITE_AUTH',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};

function toSqliteError(error: unknown): Error & { code?: unknown } {
  if (error instanceof SqliteError || !(error instanceof Error)) return error instanceof Error ? error : new Error(String(error));
  const { code, errcode, errstr } = error as Error & { code?: unknown; errcode?: unknown; errstr?: unknown };
  if (typeof errcode === 'number') {
    const name = RESULT_CODES[errcode & 0xff] ?? 'SQLITE_ERROR';
    return new SqliteError(name, error.message || (typeof errstr === 'string' ? errstr : name), { cause: error });
  }
  // A closed database: the statement could not reach the file.
  if (code === 'ERR_INVALID_STATE') return new SqliteError('SQLITE_MISUSE', error.message, { cause: error });
  // The file itself could not be created or opened.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new SqliteError('SQLITE_CANTOPEN', error.message, { cause: error });
  return error;
}

function onlyOnce(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action());
}
