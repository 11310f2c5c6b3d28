import { systemClock } from '../clock.js';
import type { RedisClient } from '../storage/redis-client.js';
import { createTables, type SqliteHandle } from '../storage/sqlite-database.js';
import { parseJobRecord, type JobRecord } from './job.js';

/** A ledger row that did not read back as a job; it is moved aside, never resumed and never lost. */
export interface QuarantinedJob {
  id: string;
  problem: string;
}

export interface OpenJobs {
  /** Oldest first. */
  jobs: JobRecord[];
  /** Rows moved to the quarantine by this read. */
  quarantined: QuarantinedJob[];
}

/** Durable record of every job between "about to create a KIE task" and "delivered and settled". */
export interface JobLedger {
  open(job: JobRecord): Promise<void>;
  update(job: JobRecord): Promise<void>;
  close(jobId: string): Promise<void>;
  openJobs(): Promise<OpenJobs>;
}

/** Splits stored rows into jobs and rows that are not (yet) jobs. */
function readRows(rows: ReadonlyArray<{ id: string; record: string }>): { jobs: JobRecord[]; bad: Array<QuarantinedJob & { record: string }> } {
  const jobs: JobRecord[] = [];
  const bad: Array<QuarantinedJob & { record: string }> = [];
  for (const row of rows) {
    const parsed = parseJobRecord(row.record);
    if (parsed.ok) jobs.push(parsed.job);
    else bad.push({ id: row.id, problem: parsed.problem, record: row.record });
  }
  jobs.sort((a, b) => a.createdAt - b.createdAt);
  return { jobs, bad };
}

const SQLITE_SCHEMA = [
  'CREATE TABLE IF NOT EXISTS imagine_jobs (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, record TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS imagine_jobs_quarantine (id TEXT PRIMARY KEY, record TEXT NOT NULL, problem TEXT NOT NULL, quarantined_at INTEGER NOT NULL)',
];

/**
 * Jobs in a table of the bot's SQLite file; each statement is atomic on its own. A job's writes go in the
 * group commit (SqliteHandle.queryGrouped): a burst of jobs opening or moving on together pays for one commit.
 */
export class SqliteJobLedger implements JobLedger {
  private constructor(private readonly db: SqliteHandle) {}

  /** Creates the tables if needed and returns a ledger over them. */
  static async create(db: SqliteHandle): Promise<SqliteJobLedger> {
    await createTables(db, SQLITE_SCHEMA);
    return new SqliteJobLedger(db);
  }

  async open(job: JobRecord): Promise<void> {
    await this.db.queryGrouped('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', job.id, job.createdAt, JSON.stringify(job));
  }

  async update(job: JobRecord): Promise<void> {
    await this.db.queryGrouped('UPDATE imagine_jobs SET record = ? WHERE id = ?', JSON.stringify(job), job.id);
  }

  async close(jobId: string): Promise<void> {
    await this.db.queryGrouped('DELETE FROM imagine_jobs WHERE id = ?', jobId);
  }

  async openJobs(): Promise<OpenJobs> {
    const rows = (await this.db.query('SELECT id, record FROM imagine_jobs ORDER BY created_at')) as Array<{ id: string; record: string }>;
    const { jobs, bad } = readRows(rows);
    for (const row of bad) {
      await this.db.query(
        'INSERT OR REPLACE INTO imagine_jobs_quarantine (id, record, problem, quarantined_at) VALUES (?, ?, ?, ?)',
        row.id,
        row.record,
        row.problem,
        systemClock.now(),
      );
      await this.db.query('DELETE FROM imagine_jobs WHERE id = ?', row.id);
    }
    return { jobs, quarantined: bad.map(({ id, problem }) => ({ id, problem })) };
  }
}

/** Jobs as fields of one Redis hash; a field is written only by the process that runs its job. */
export class RedisJobLedger implements JobLedger {
  private readonly key: string;
  private readonly quarantineKey: string;

  constructor(
    private readonly redis: Pick<RedisClient, 'hSet' | 'hDel' | 'hGetAll'>,
    keyPrefix = '',
  ) {
    this.key = `${keyPrefix}jobs`;
    this.quarantineKey = `${keyPrefix}jobs:quarantine`;
  }

  async open(job: JobRecord): Promise<void> {
    await this.redis.hSet(this.key, job.id, JSON.stringify(job));
  }

  async update(job: JobRecord): Promise<void> {
    await this.redis.hSet(this.key, job.id, JSON.stringify(job));
  }

  async close(jobId: string): Promise<void> {
    await this.redis.hDel(this.key, jobId);
  }

  async openJobs(): Promise<OpenJobs> {
    const fields = await this.redis.hGetAll(this.key);
    const { jobs, bad } = readRows(Object.entries(fields).map(([id, record]) => ({ id, record })));
    for (const row of bad) {
      await this.redis.hSet(this.quarantineKey, row.id, JSON.stringify({ record: row.record, problem: row.problem }));
      await this.redis.hDel(this.key, row.id);
    }
    return { jobs, quarantined: bad.map(({ id, problem }) => ({ id, problem })) };
  }
}
