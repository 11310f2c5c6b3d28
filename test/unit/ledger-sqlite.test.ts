import KeyvSqlite from '@keyv/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/jobs/job.js';
import { SqliteJobLedger } from '../../src/jobs/ledger.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

function job(id: string, createdAt: number, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    guildId: '100',
    channelId: '200',
    userId: '300',
    applicationId: '400',
    interactionId: `interaction-${id}`,
    interactionToken: `token-${id}`,
    createdAt,
    request: { prompt: `prompt for ${id} with "quotes" and emoji 🎨`, aspect: '16:9', quality: 'high' },
    attachmentSizeLimit: 10 * 1024 * 1024,
    reservation: { guildId: '100', userId: '300', day: '2023-11-14' },
    phase: 'submitting',
    ...overrides,
  };
}

describe('SqliteJobLedger', () => {
  let dir: TempDir;
  let file: string;
  const opened: KeyvSqlite[] = [];

  const connect = () => {
    const store = new KeyvSqlite({ uri: `sqlite://${file}` });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await createTempDir('ledger');
    file = dir.file('bot.sqlite');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.disconnect();
    await dir.remove();
  });

  it('starts empty', async () => {
    expect(await new SqliteJobLedger(connect()).openJobs()).toEqual([]);
  });

  it('lists open jobs oldest first, whatever the insertion order', async () => {
    const ledger = new SqliteJobLedger(connect());
    await ledger.open(job('c', 3000));
    await ledger.open(job('a', 1000));
    await ledger.open(job('b', 2000));
    expect((await ledger.openJobs()).map((record) => record.id)).toEqual(['a', 'b', 'c']);
  });

  it('round-trips every field of a record', async () => {
    const ledger = new SqliteJobLedger(connect());
    const record = job('full', 1000, { taskId: 'task-9', submittedAt: 1500, resultUrl: 'https://x.example/a.png', deliveryAttempts: 2, phase: 'delivering' });
    await ledger.open(record);
    expect(await ledger.openJobs()).toEqual([record]);
  });

  it('updates a record in place, keeping its position', async () => {
    const ledger = new SqliteJobLedger(connect());
    await ledger.open(job('a', 1000));
    await ledger.open(job('b', 2000));
    const watching = job('a', 1000, { phase: 'watching', taskId: 'task-a', submittedAt: 1100 });
    await ledger.update(watching);
    const jobs = await ledger.openJobs();
    expect(jobs.map((record) => record.id)).toEqual(['a', 'b']);
    expect(jobs[0]).toEqual(watching);
    expect(jobs[1]?.phase).toBe('submitting');
  });

  it('forgets a closed job and ignores closing an unknown one', async () => {
    const ledger = new SqliteJobLedger(connect());
    await ledger.open(job('a', 1000));
    await ledger.open(job('b', 2000));
    await ledger.close('a');
    await ledger.close('never-opened');
    expect((await ledger.openJobs()).map((record) => record.id)).toEqual(['b']);
    await ledger.close('b');
    expect(await ledger.openJobs()).toEqual([]);
  });

  it('refuses to open the same job twice', async () => {
    const ledger = new SqliteJobLedger(connect());
    await ledger.open(job('a', 1000));
    await expect(ledger.open(job('a', 1000))).rejects.toThrow(/UNIQUE|constraint/i);
    expect(await ledger.openJobs()).toHaveLength(1);
  });

  it('survives closing and reopening the file', async () => {
    const first = connect();
    const ledger = new SqliteJobLedger(first);
    await ledger.open(job('a', 1000));
    await ledger.open(job('b', 2000, { phase: 'watching', taskId: 'task-b' }));
    await ledger.open(job('c', 3000));
    await ledger.close('c');
    await first.disconnect();
    opened.splice(opened.indexOf(first), 1);

    const reopened = new SqliteJobLedger(connect());
    const jobs = await reopened.openJobs();
    expect(jobs.map((record) => record.id)).toEqual(['a', 'b']);
    expect(jobs[1]).toEqual(job('b', 2000, { phase: 'watching', taskId: 'task-b' }));
    await reopened.update(job('a', 1000, { phase: 'delivering', resultUrl: 'https://x.example/a.png' }));
    expect((await reopened.openJobs())[0]?.phase).toBe('delivering');
  });

  it('shares the file with the key-value store without interfering', async () => {
    const store = connect();
    await store.set('keyv:some-key', JSON.stringify({ value: 1 }));
    const ledger = new SqliteJobLedger(store);
    await ledger.open(job('a', 1000));
    expect(await store.get('keyv:some-key')).toBe(JSON.stringify({ value: 1 }));
    expect(await ledger.openJobs()).toHaveLength(1);
  });
});
