import { systemClock } from '../clock.js';
import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { createTables, type SqliteHandle } from './sqlite-database.js';

export interface SqliteKeyvStoreOptions {
  /** The clock expiry is read against; Keyv itself reads Date.now. */
  now?: () => number;
  /** Named in `opts.url`; Keyv shows it in its own messages. */
  file?: string;
}

const TABLE = 'keyv';
const ITERATION_PAGE = 100;

// The table @keyv/sqlite made (so a file written before keeps its settings), plus the expiry of each row,
// which lets expired rows be found and deleted without reading their values.
const SCHEMA = `CREATE TABLE IF NOT EXISTS ${TABLE} (key VARCHAR(255) PRIMARY KEY, value TEXT, expires INTEGER)`;
const EXPIRES_INDEX = `CREATE INDEX IF NOT EXISTS ${TABLE}_expires ON ${TABLE} (expires) WHERE expires IS NOT NULL`;
// Rows written by @keyv/sqlite carry their expiry only inside Keyv's serialized value.
const BACKFILL_EXPIRES = `UPDATE ${TABLE} SET expires = CAST(json_extract(value, '$.expires') AS INTEGER)
  WHERE expires IS NULL AND json_valid(value) AND json_type(value, '$.expires') IN ('integer', 'real')`;

const LIVE = '(expires IS NULL OR expires > ?)';
const IN_JSON_LIST = 'key IN (SELECT value FROM json_each(?))';
// A prefix test that, unlike LIKE, treats % and _ in a namespace as themselves.
const UNDER_PREFIX = 'substr(key, 1, length(?)) = ?';

/**
 * Keyv's key-value store over a table of the bot's SQLite file: what Keyv 5 expects of a store adapter
 * (namespaced keys, TTL, iteration), plus deleteExpired for the periodic prune. Values are Keyv's
 * serialized strings.
 */
export class SqliteKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts: { dialect: 'sqlite'; url: string; table: string };
  namespace?: string;
  readonly #db: SqliteHandle;
  readonly #now: () => number;
  readonly #ready: Promise<void>;

  constructor(db: SqliteHandle, options: SqliteKeyvStoreOptions = {}) {
    super();
    this.#db = db;
    this.#now = options.now ?? systemClock.now;
    // dialect 'sqlite' is how Keyv recognises a store whose iterator it may use.
    this.opts = { dialect: 'sqlite', url: `sqlite://${options.file ?? ''}`, table: TABLE };
    this.#ready = ensureTable(db);
    // Reported by the first call that awaits it, not as an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const rows = await this.#query(`SELECT value FROM ${TABLE} WHERE key = ? AND ${LIVE}`, key, this.#now());
    return rows[0] === undefined ? undefined : (valueOf(rows[0]) as StoredData<Value>);
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const rows = await this.#query(`SELECT key, value FROM ${TABLE} WHERE ${IN_JSON_LIST} AND ${LIVE}`, JSON.stringify(keys), this.#now());
    const byKey = new Map(rows.map((row) => [keyOf(row), valueOf(row)]));
    return keys.map((key) => byKey.get(key) as StoredData<Value | undefined>);
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    if (typeof value !== 'string') throw new TypeError('SqliteKeyvStore keeps Keyv-serialized strings; give Keyv a serializer');
    const expires = typeof ttl === 'number' && ttl > 0 ? this.#now() + ttl : null;
    await this.#query(
      `INSERT INTO ${TABLE} (key, value, expires) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires`,
      key,
      value,
      expires,
    );
    return true;
  }

  /** Whether a live entry was there (an expired one is deleted too, but counts as absent). */
  async delete(key: string): Promise<boolean> {
    const rows = await this.#query(`DELETE FROM ${TABLE} WHERE key = ? RETURNING expires`, key);
    return this.#anyLive(rows);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const rows = await this.#query(`DELETE FROM ${TABLE} WHERE ${IN_JSON_LIST} RETURNING expires`, JSON.stringify(keys));
    return this.#anyLive(rows);
  }

  async has(key: string): Promise<boolean> {
    const rows = await this.#query(`SELECT 1 AS found FROM ${TABLE} WHERE key = ? AND ${LIVE}`, key, this.#now());
    return rows.length > 0;
  }

  /** Deletes this namespace's entries, or every entry when there is no namespace. */
  async clear(): Promise<void> {
    if (this.namespace === undefined) {
      await this.#query(`DELETE FROM ${TABLE}`);
      return;
    }
    const prefix = `${this.namespace}:`;
    await this.#query(`DELETE FROM ${TABLE} WHERE ${UNDER_PREFIX}`, prefix, prefix);
  }

  /** The live entries under the namespace, as [prefixed key, serialized value], in pages ordered by key. */
  async *iterator<Value>(namespace?: string): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const prefix = namespace === undefined ? '' : `${namespace}:`;
    let after = '';
    for (;;) {
      const rows = await this.#query(
        `SELECT key, value FROM ${TABLE} WHERE ${UNDER_PREFIX} AND key > ? AND ${LIVE} ORDER BY key LIMIT ?`,
        prefix,
        prefix,
        after,
        this.#now(),
        ITERATION_PAGE,
      );
      for (const row of rows) yield [keyOf(row), valueOf(row) as Awaited<Value>];
      if (rows.length < ITERATION_PAGE) return;
      after = keyOf(rows[rows.length - 1]);
    }
  }

  /** Deletes the entries of every namespace whose TTL has passed; resolves to how many went. */
  async deleteExpired(now = this.#now()): Promise<number> {
    const rows = await this.#query(`DELETE FROM ${TABLE} WHERE expires <= ? RETURNING key`, now);
    return rows.length;
  }

  async #query(sql: string, ...params: unknown[]): Promise<unknown[]> {
    await this.#ready;
    return this.#db.query(sql, ...params);
  }

  #anyLive(rows: readonly unknown[]): boolean {
    const now = this.#now();
    return rows.some((row) => {
      const expires = (row as { expires?: unknown }).expires;
      return typeof expires !== 'number' || expires > now;
    });
  }
}

async function ensureTable(db: SqliteHandle): Promise<void> {
  await createTables(db, [SCHEMA]);
  const columns = await db.query(`PRAGMA table_info(${TABLE})`);
  if (!columns.some((column) => (column as { name?: unknown }).name === 'expires')) {
    try {
      await db.query(`ALTER TABLE ${TABLE} ADD COLUMN expires INTEGER`);
    } catch (error) {
      // Another process sharing the file may have added it first.
      const again = await db.query(`PRAGMA table_info(${TABLE})`);
      if (!again.some((column) => (column as { name?: unknown }).name === 'expires')) throw error;
    }
    await db.query(BACKFILL_EXPIRES);
  }
  await createTables(db, [EXPIRES_INDEX]);
}

function keyOf(row: unknown): string {
  const key = (row as { key?: unknown }).key;
  if (typeof key !== 'string') throw new TypeError(`${TABLE}.key: expected text, got ${typeof key}`);
  return key;
}

function valueOf(row: unknown): string | undefined {
  const value = (row as { value?: unknown }).value;
  return typeof value === 'string' ? value : undefined;
}
