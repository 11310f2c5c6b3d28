import { createTables, type SqliteHandle } from '../storage/sqlite-database.js';
import { addDays } from './day.js';
import {
  QUOTA_RETENTION_DAYS,
  assertLimit,
  assertUnits,
  availableUnits,
  effectiveGuildCap,
  refusingLimit,
  type QuotaCounter, type QuotaReserveResult, type QuotaScope } from './counter.js';

export interface SqliteQuotaCounterOptions {
  /** Called when background pruning of old days fails; the counters keep working. */
  onError?: (error: unknown) => void;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS quota_usage (
     guild_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     day TEXT NOT NULL,
     used INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (guild_id, user_id, day)
   )`,
  'CREATE INDEX IF NOT EXISTS quota_usage_guild_day ON quota_usage (guild_id, day)',
  'CREATE INDEX IF NOT EXISTS quota_usage_day ON quota_usage (day)',
  // The bot's total per day over every guild (the operator's DAILY_IMAGE_BUDGET). Triggers keep it in step
  // with every change of a member's count inside the same statement, so a reservation takes the member's
  // unit, the guild's and the budget's atomically. (No OR IGNORE inside them: the outer statement's conflict
  // policy would override it.) A reset deletes the member's row and fires none of them:
  // the budget keeps what was spent.
  `CREATE TABLE IF NOT EXISTS quota_budget (
     day TEXT PRIMARY KEY,
     used INTEGER NOT NULL DEFAULT 0
   )`,
  // Days counted before the budget table existed (idempotent: a day already in it is left alone).
  'INSERT OR IGNORE INTO quota_budget (day, used) SELECT day, SUM(used) FROM quota_usage GROUP BY day',
  `CREATE TRIGGER IF NOT EXISTS quota_budget_on_insert AFTER INSERT ON quota_usage BEGIN
     INSERT INTO quota_budget (day, used) SELECT NEW.day, 0 WHERE NOT EXISTS (SELECT 1 FROM quota_budget WHERE day = NEW.day);
     UPDATE quota_budget SET used = used + NEW.used WHERE day = NEW.day;
   END`,
  `CREATE TRIGGER IF NOT EXISTS quota_budget_on_update AFTER UPDATE OF used ON quota_usage BEGIN
     INSERT INTO quota_budget (day, used) SELECT NEW.day, 0 WHERE NOT EXISTS (SELECT 1 FROM quota_budget WHERE day = NEW.day);
     UPDATE quota_budget SET used = MAX(0, used + NEW.used - OLD.used) WHERE day = NEW.day;
   END`,
];

// The guild's total that day, this statement's units included (RETURNING sees the row as changed). Parameters: guild, day.
const GUILD_TOTAL = '(SELECT COALESCE(SUM(used), 0) FROM quota_usage WHERE guild_id = ? AND day = ?)';

// The guild's total that day leaves room for the units under the cap (a cap of 0 binds as "no cap").
// Parameters: cap, guild, day, units, cap.
const UNDER_GUILD_CAP = '(? = 0 OR (SELECT COALESCE(SUM(used), 0) FROM quota_usage WHERE guild_id = ? AND day = ?) + ? <= ?)';

// The bot's total that day leaves room for the units under the budget (0 binds as "no budget").
// Parameters: budget, day, units, budget.
const UNDER_BUDGET = '(? = 0 OR COALESCE((SELECT used FROM quota_budget WHERE day = ?), 0) + ? <= ?)';

// One statement checks the member's limit, the guild's cap and the bot's budget and counts (the budget's
// total through its trigger), so SQLite's write lock makes it atomic across connections and processes:
// every check passes and the units are all taken, or nothing changes.
// INSERT … SELECT … WHERE ? >= units inserts nothing for a limit below the units; the WHERE also keeps
// SQLite's parser from reading ON CONFLICT as a join clause.
const RESERVE = `
  INSERT INTO quota_usage (guild_id, user_id, day, used)
  SELECT ?, ?, ?, ? WHERE ? >= ? AND ${UNDER_GUILD_CAP} AND ${UNDER_BUDGET}
  ON CONFLICT (guild_id, user_id, day) DO UPDATE SET used = used + ? WHERE used + ? <= ? AND ${UNDER_GUILD_CAP} AND ${UNDER_BUDGET}
  RETURNING used, ${GUILD_TOTAL} AS guild_used`;

const BUDGET_USED = 'SELECT COALESCE((SELECT used FROM quota_budget WHERE day = ?), 0) AS total';

const GUILD_USED = 'SELECT COALESCE(SUM(used), 0) AS total FROM quota_usage WHERE guild_id = ? AND day = ?';

const RELEASE = `
  UPDATE quota_usage SET used = used - 1
  WHERE guild_id = ? AND user_id = ? AND day = ? AND used > 0
  RETURNING used`;

/** Quota counters in a `quota_usage` table of the bot's SQLite file. */
export class SqliteQuotaCounter implements QuotaCounter {
  readonly #db: SqliteHandle;
  readonly #onError: (error: unknown) => void;
  #prunedBefore = '';

  private constructor(db: SqliteHandle, options: SqliteQuotaCounterOptions) {
    this.#db = db;
    this.#onError = options.onError ?? (() => {});
  }

  /** Creates the table if needed and returns a counter over it. */
  static async create(db: SqliteHandle, options: SqliteQuotaCounterOptions = {}): Promise<SqliteQuotaCounter> {
    await createTables(db, SCHEMA);
    return new SqliteQuotaCounter(db, options);
  }

  async reserve(scope: QuotaScope, limit: number, guildCap?: number, dailyBudget?: number, units = 1): Promise<QuotaReserveResult> {
    assertLimit(limit);
    assertUnits(units);
    const cap = effectiveGuildCap(guildCap);
    const budget = effectiveGuildCap(dailyBudget);
    const capParams = [cap ?? 0, scope.guildId, scope.day, units, cap ?? 0];
    const budgetParams = [budget ?? 0, scope.day, units, budget ?? 0];
    const limits = [...capParams, ...budgetParams];
    // A burst's reservations share one commit; each is still one statement, all of its units or nothing.
    const rows = await this.#db.queryGrouped(
      RESERVE, scope.guildId, scope.userId, scope.day, units, limit, units, ...limits, units, units, limit, ...limits, scope.guildId, scope.day,
    );
    this.#pruneOccasionally(scope.day);
    const row = rows[0];
    // A grant is this one statement; only a refusal reads on, to say which limit refused and what is left.
    if (row !== undefined) return { granted: true, used: readCount(row, 'used'), guildUsed: readCount(row, 'guild_used') };
    const [used, guildUsed, budgetUsed] = await Promise.all([this.used(scope), this.guildUsed(scope.guildId, scope.day), this.budgetUsed(scope.day)]);
    const usage = { used, limit, guildUsed, guildCap: cap, budgetUsed, dailyBudget: budget };
    return { granted: false, used, guildUsed, refusedBy: refusingLimit(usage, units), available: availableUnits(usage) };
  }

  async guildUsed(guildId: string, day: string): Promise<number> {
    const rows = await this.#db.query(GUILD_USED, guildId, day);
    return rows[0] === undefined ? 0 : readCount(rows[0], 'total');
  }

  async budgetUsed(day: string): Promise<number> {
    const rows = await this.#db.query(BUDGET_USED, day);
    return rows[0] === undefined ? 0 : readCount(rows[0], 'total');
  }

  async release(scope: QuotaScope): Promise<number> {
    const rows = await this.#db.query(RELEASE, scope.guildId, scope.userId, scope.day);
    const row = rows[0];
    return row === undefined ? 0 : readCount(row, 'used');
  }

  async reset(scope: QuotaScope): Promise<void> {
    await this.#db.query(
      'DELETE FROM quota_usage WHERE guild_id = ? AND user_id = ? AND day = ?',
      scope.guildId,
      scope.userId,
      scope.day,
    );
  }

  async used(scope: QuotaScope): Promise<number> {
    const [count] = await this.usedOnDays(scope.guildId, scope.userId, [scope.day]);
    return count ?? 0;
  }

  async usedOnDays(guildId: string, userId: string, days: readonly string[]): Promise<number[]> {
    if (days.length === 0) return [];
    const rows = await this.#db.query(
      'SELECT day, used FROM quota_usage WHERE guild_id = ? AND user_id = ? AND day IN (SELECT value FROM json_each(?))',
      guildId,
      userId,
      JSON.stringify(days),
    );
    const byDay = new Map(rows.map((row) => [readText(row, 'day'), readCount(row, 'used')]));
    return days.map((day) => byDay.get(day) ?? 0);
  }

  async guildDay(guildId: string, day: string): Promise<{ userId: string; used: number }[]> {
    const rows = await this.#db.query(
      'SELECT user_id, used FROM quota_usage WHERE guild_id = ? AND day = ? AND used > 0 ORDER BY used DESC, user_id ASC',
      guildId,
      day,
    );
    return rows.map((row) => ({ userId: readText(row, 'user_id'), used: readCount(row, 'used') }));
  }

  /** Deletes days older than the retention window, at most once per new day this counter sees. */
  #pruneOccasionally(day: string): void {
    const cutoff = addDays(day, -(QUOTA_RETENTION_DAYS - 1));
    if (cutoff <= this.#prunedBefore) return;
    this.#prunedBefore = cutoff;
    this.#db.query('DELETE FROM quota_usage WHERE day < ?', cutoff).catch(this.#onError);
    this.#db.query('DELETE FROM quota_budget WHERE day < ?', cutoff).catch(this.#onError);
  }
}

function readCount(row: unknown, column: string): number {
  const value = (row as Record<string, unknown> | null)?.[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`quota_usage.${column}: expected an integer, got ${typeof value}`);
  }
  return value;
}

function readText(row: unknown, column: string): string {
  const value = (row as Record<string, unknown> | null)?.[column];
  if (typeof value !== 'string') throw new TypeError(`quota_usage.${column}: expected text, got ${typeof value}`);
  return value;
}
