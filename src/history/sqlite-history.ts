import { createTables, type SqliteHandle } from '../storage/sqlite-database.js';
import { assertPage, oldestLiveAt, parseHistoryEntry, validHistoryEntry, type HistoryEntry, type HistoryPage, type HistoryStore } from './history.js';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS imagine_history (
     job_id TEXT PRIMARY KEY,
     guild_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     record TEXT NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS imagine_history_member ON imagine_history (guild_id, user_id, created_at)',
];

const UPSERT = `
  INSERT INTO imagine_history (job_id, guild_id, user_id, created_at, record) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(job_id) DO UPDATE SET
    guild_id = excluded.guild_id, user_id = excluded.user_id, created_at = excluded.created_at, record = excluded.record`;

/** Image history in an `imagine_history` table of the bot's SQLite file. */
export class SqliteHistoryStore implements HistoryStore {
  readonly #db: SqliteHandle;

  private constructor(db: SqliteHandle) {
    this.#db = db;
  }

  /** Creates the table if needed and returns a store over it. */
  static async create(db: SqliteHandle): Promise<SqliteHistoryStore> {
    await createTables(db, SCHEMA);
    return new SqliteHistoryStore(db);
  }

  async record(entry: HistoryEntry): Promise<void> {
    const valid = validHistoryEntry(entry);
    await this.#db.query(UPSERT, valid.jobId, valid.guildId, valid.userId, valid.createdAt, JSON.stringify(valid));
  }

  async get(jobId: string, now: number): Promise<HistoryEntry | undefined> {
    const rows = await this.#db.query('SELECT record FROM imagine_history WHERE job_id = ? AND created_at >= ?', jobId, oldestLiveAt(now));
    return readEntries(rows)[0];
  }

  async listForMember(guildId: string, userId: string, page: { offset: number; limit: number }, now: number): Promise<HistoryPage> {
    assertPage(page);
    const oldest = oldestLiveAt(now);
    const [counted] = await this.#db.query(
      'SELECT COUNT(*) AS total FROM imagine_history WHERE guild_id = ? AND user_id = ? AND created_at >= ?',
      guildId,
      userId,
      oldest,
    );
    const total = readCount(counted, 'total');
    if (page.limit === 0 || page.offset >= total) return { entries: [], total };
    // job_id breaks ties the way Redis orders equal scores in ZRANGE REV, so both backends page alike.
    const rows = await this.#db.query(
      `SELECT record FROM imagine_history WHERE guild_id = ? AND user_id = ? AND created_at >= ?
       ORDER BY created_at DESC, job_id DESC LIMIT ? OFFSET ?`,
      guildId,
      userId,
      oldest,
      page.limit,
      page.offset,
    );
    return { entries: readEntries(rows), total };
  }

  async remove(jobId: string): Promise<void> {
    await this.#db.query('DELETE FROM imagine_history WHERE job_id = ?', jobId);
  }

  async prune(now: number): Promise<number> {
    const rows = await this.#db.query('DELETE FROM imagine_history WHERE created_at < ? RETURNING job_id', oldestLiveAt(now));
    return rows.length;
  }
}

/** The rows' records that read back as entries; the others are skipped. */
function readEntries(rows: unknown[]): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const row of rows) {
    const record = (row as Record<string, unknown> | null)?.record;
    const entry = typeof record === 'string' ? parseHistoryEntry(record) : undefined;
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

function readCount(row: unknown, column: string): number {
  const value = (row as Record<string, unknown> | null)?.[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`imagine_history.${column}: expected an integer, got ${typeof value}`);
  return value;
}
