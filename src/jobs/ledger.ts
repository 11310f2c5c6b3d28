import type { JobRecord } from './job.js';

/** Durable record of every job between "about to create a KIE task" and "delivered and settled". */
export interface JobLedger {
  open(job: JobRecord): Promise<void>;
  update(job: JobRecord): Promise<void>;
  close(jobId: string): Promise<void>;
  openJobs(): Promise<JobRecord[]>;
}

interface SqliteQuery {
  query(sql: string, ...params: unknown[]): Promise<unknown[]>;
}

/** Jobs in a table of the bot's SQLite file; each statement is atomic on its own. */
export class SqliteJobLedger implements JobLedger {
  private readonly ready: Promise<unknown>;

  constructor(private readonly db: SqliteQuery) {
    this.ready = db.query(
      'CREATE TABLE IF NOT EXISTS imagine_jobs (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, record TEXT NOT NULL)',
    );
  }

  async open(job: JobRecord): Promise<void> {
    await this.ready;
    await this.db.query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', job.id, job.createdAt, JSON.stringify(job));
  }

  async update(job: JobRecord): Promise<void> {
    await this.ready;
    await this.db.query('UPDATE imagine_jobs SET record = ? WHERE id = ?', JSON.stringify(job), job.id);
  }

  async close(jobId: string): Promise<void> {
    await this.ready;
    await this.db.query('DELETE FROM imagine_jobs WHERE id = ?', jobId);
  }

  async openJobs(): Promise<JobRecord[]> {
    await this.ready;
    const rows = (await this.db.query('SELECT record FROM imagine_jobs ORDER BY created_at')) as Array<{ record: string }>;
    return rows.map((row) => JSON.parse(row.record) as JobRecord);
  }
}

export interface RedisHashClient {
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hDel(key: string, field: string): Promise<unknown>;
  hVals(key: string): Promise<string[]>;
}

/** Jobs as fields of one Redis hash; a field is written only by the process that runs its job. */
export class RedisJobLedger implements JobLedger {
  private readonly key: string;

  constructor(
    private readonly redis: RedisHashClient,
    keyPrefix = '',
  ) {
    this.key = `${keyPrefix}jobs`;
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

  async openJobs(): Promise<JobRecord[]> {
    const values = await this.redis.hVals(this.key);
    return values.map((value) => JSON.parse(value) as JobRecord).sort((a, b) => a.createdAt - b.createdAt);
  }
}
