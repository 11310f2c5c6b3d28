import { addDays } from '../quota/day.js';
import { createTables, type SqliteHandle } from '../storage/sqlite-database.js';
import { creditsOrZero, SPEND_RETENTION_DAYS, type DaySpend, type SpendCounter } from './spend.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS imagine_spend (
  guild_id TEXT NOT NULL,
  day TEXT NOT NULL,
  images INTEGER NOT NULL DEFAULT 0,
  credits REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (guild_id, day)
)`;

/** Spend in an `imagine_spend` table: one upsert per image, atomic under SQLite's write lock. */
export class SqliteSpendCounter implements SpendCounter {
  #prunedBefore = '';

  private constructor(private readonly db: SqliteHandle) {}

  static async create(db: SqliteHandle): Promise<SqliteSpendCounter> {
    await createTables(db, [SCHEMA]);
    return new SqliteSpendCounter(db);
  }

  async add(guildId: string, day: string, credits: number): Promise<void> {
    await this.db.query(
      `INSERT INTO imagine_spend (guild_id, day, images, credits) VALUES (?, ?, 1, ?)
       ON CONFLICT (guild_id, day) DO UPDATE SET images = images + 1, credits = credits + excluded.credits`,
      guildId,
      day,
      creditsOrZero(credits),
    );
    const cutoff = addDays(day, -(SPEND_RETENTION_DAYS - 1));
    if (cutoff > this.#prunedBefore) {
      this.#prunedBefore = cutoff;
      await this.db.query('DELETE FROM imagine_spend WHERE day < ?', cutoff);
    }
  }

  async days(guildId: string, days: readonly string[]): Promise<DaySpend[]> {
    if (days.length === 0) return [];
    const rows = (await this.db.query(
      'SELECT day, images, credits FROM imagine_spend WHERE guild_id = ? AND day IN (SELECT value FROM json_each(?))',
      guildId,
      JSON.stringify(days),
    )) as Array<{ day: string; images: number; credits: number }>;
    const byDay = new Map(rows.map((row) => [row.day, row]));
    return days.map((day) => ({ day, images: byDay.get(day)?.images ?? 0, credits: byDay.get(day)?.credits ?? 0 }));
  }
}
