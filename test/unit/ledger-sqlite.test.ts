import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/jobs/job.js';
import { SqliteJobLedger } from '../../src/jobs/ledger.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database.js';
import { SqliteKeyvStore } from '../../src/storage/sqlite-keyv-store.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { ledgerJob as job } from '../helpers/ledger-jobs.js';

describe('SqliteJobLedger', () => {
  let dir: TempDir;
  let file: string;
  const opened: SqliteDatabase[] = [];

  const connect = async () => {
    const db = await openSqliteDatabase(file);
    opened.push(db);
    return db;
  };
  const ids = (jobs: readonly JobRecord[]) => jobs.map((record) => record.id);

  beforeEach(async () => {
    dir = await createTempDir('ledger');
    file = dir.file('bot.sqlite');
  });

  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
    await dir.remove();
  });

  it('starts empty', async () => {
    expect(await (await SqliteJobLedger.create(await connect())).openJobs()).toEqual({ jobs: [], quarantined: [] });
  });

  it('keeps a private job private, and still reads rows written before jobs could be private', async () => {
    const db = await connect();
    const ledger = await SqliteJobLedger.create(db);
    await ledger.open({ ...job('private', 1000), private: true });
    // A row as an older version wrote it: no `private` field at all.
    const older = job('older', 2000);
    expect(older).not.toHaveProperty('private');
    await db.query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', older.id, older.createdAt, JSON.stringify(older));
    const { jobs, quarantined } = await ledger.openJobs();
    expect(quarantined).toEqual([]);
    expect(jobs.map((record) => [record.id, record.private])).toEqual([['private', true], ['older', undefined]]);
  });

  it('lists open jobs oldest first, whatever the insertion order', async () => {
    const ledger = await SqliteJobLedger.create(await connect());
    await ledger.open(job('c', 3000));
    await ledger.open(job('a', 1000));
    await ledger.open(job('b', 2000));
    expect(ids((await ledger.openJobs()).jobs)).toEqual(['a', 'b', 'c']);
  });

  it('reads back what the versions before sets and upscales wrote: a blend with its parents and picture sources, and a plain job', async () => {
    const db = await connect();
    const ledger = await SqliteJobLedger.create(db);
    const source = { channelId: '1100000000000000002', messageId: '1300000000000000001', attachmentId: '1300000000000000002', ownerId: '1200000000000000001' };
    const blend = {
      ...job('blend', 1000),
      request: {
        prompt: 'Blend these pictures, film noir',
        aspect: '1:1',
        quality: 'basic',
        imageUrls: ['https://cdn.discordapp.com/attachments/1/2/a.png', 'https://cdn.discordapp.com/attachments/1/3/b.png'],
        style: 'noir',
        parents: [{ jobId: '0b7f3b52-7d57-4a5e-9d55-3c4f8e1f2a10', url: 'https://discord.com/channels/1100000000000000001/1100000000000000002/1300000000000000001' }],
        pictureSources: [source, null],
      },
    };
    // Written as those versions wrote them: JSON text, with no set, upscale factor or singular parent.
    await db.query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', 'blend', 1000, JSON.stringify(blend));
    await db.query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', 'plain', 2000, JSON.stringify(job('plain', 2000)));
    const { jobs, quarantined } = await ledger.openJobs();
    expect(quarantined).toEqual([]);
    expect(jobs).toEqual([blend, job('plain', 2000)]);
  });

  it('round-trips every field of a record', async () => {
    const ledger = await SqliteJobLedger.create(await connect());
    const record: JobRecord = {
      ...job('full', 1000),
      phase: 'delivering',
      taskId: 'task-9',
      submittedAt: 1500,
      resultUrl: 'https://x.example/a.png',
      deliveryAttempts: 2,
    };
    await ledger.open(record);
    expect((await ledger.openJobs()).jobs).toEqual([record]);
  });

  it('updates a record in place, keeping its position', async () => {
    const ledger = await SqliteJobLedger.create(await connect());
    await ledger.open(job('a', 1000));
    await ledger.open(job('b', 2000));
    const watching: JobRecord = { ...job('a', 1000), phase: 'watching', taskId: 'task-a', submittedAt: 1100 };
    await ledger.update(watching);
    const { jobs } = await ledger.openJobs();
    expect(ids(jobs)).toEqual(['a', 'b']);
    expect(jobs[0]).toEqual(watching);
    expect(jobs[1]?.phase).toBe('submitting');
  });

  it('forgets a closed job and ignores closing an unknown one', async () => {
    const ledger = await SqliteJobLedger.create(await connect());
    await ledger.open(job('a', 1000));
    await ledger.open(job('b', 2000));
    await ledger.close('a');
    await ledger.close('never-opened');
    expect(ids((await ledger.openJobs()).jobs)).toEqual(['b']);
    await ledger.close('b');
    expect((await ledger.openJobs()).jobs).toEqual([]);
  });

  it('refuses to open the same job twice', async () => {
    const ledger = await SqliteJobLedger.create(await connect());
    await ledger.open(job('a', 1000));
    await expect(ledger.open(job('a', 1000))).rejects.toThrow(/UNIQUE|constraint/i);
    expect((await ledger.openJobs()).jobs).toHaveLength(1);
  });

  it('survives closing and reopening the file', async () => {
    const first = await connect();
    const ledger = await SqliteJobLedger.create(first);
    const watching: JobRecord = { ...job('b', 2000), phase: 'watching', taskId: 'task-b', submittedAt: 2100 };
    await ledger.open(job('a', 1000));
    await ledger.open(watching);
    await ledger.open(job('c', 3000));
    await ledger.close('c');
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const reopened = await SqliteJobLedger.create(await connect());
    const { jobs } = await reopened.openJobs();
    expect(ids(jobs)).toEqual(['a', 'b']);
    expect(jobs[1]).toEqual(watching);
    await reopened.update({ ...job('a', 1000), phase: 'delivering', taskId: 'task-a', submittedAt: 1100, resultUrl: 'https://x.example/a.png' });
    expect((await reopened.openJobs()).jobs[0]?.phase).toBe('delivering');
  });

  it('shares the file with the key-value store without interfering', async () => {
    const db = await connect();
    const store = new SqliteKeyvStore(db);
    await store.set('keyv:some-key', JSON.stringify({ value: 1 }));
    const ledger = await SqliteJobLedger.create(db);
    await ledger.open(job('a', 1000));
    expect(await store.get('keyv:some-key')).toBe(JSON.stringify({ value: 1 }));
    expect((await ledger.openJobs()).jobs).toHaveLength(1);
  });

  it('moves a row that is not a job to the quarantine, keeps it there and resumes the others', async () => {
    const store = await connect();
    const ledger = await SqliteJobLedger.create(store);
    await ledger.open(job('good', 1000));
    await store.query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', 'torn', 1500, '{"id":"torn","pha');
    const watchingWithoutTask = { ...job('no-task', 2000), phase: 'watching' };
    await store.query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', 'no-task', 2000, JSON.stringify(watchingWithoutTask));

    const first = await ledger.openJobs();
    expect(ids(first.jobs)).toEqual(['good']);
    expect(first.quarantined.map((row) => row.id).sort()).toEqual(['no-task', 'torn']);
    expect(first.quarantined.find((row) => row.id === 'torn')?.problem).toBe('not JSON');
    expect(first.quarantined.find((row) => row.id === 'no-task')?.problem).toMatch(/taskId/);

    // Reported once; the rows are kept aside, word for word, for whoever investigates.
    expect((await ledger.openJobs()).quarantined).toEqual([]);
    const kept = (await store.query('SELECT id, record FROM imagine_jobs_quarantine ORDER BY id')) as Array<{ id: string; record: string }>;
    expect(kept).toEqual([
      { id: 'no-task', record: JSON.stringify(watchingWithoutTask) },
      { id: 'torn', record: '{"id":"torn","pha' },
    ]);
  });
});
