import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Refusal } from '../../src/errors.js';
import { PendingAcknowledgements } from '../../src/discord/acknowledgements.js';
import type { JobRecord } from '../../src/jobs/job.js';
import { SqliteJobLedger } from '../../src/jobs/ledger.js';
import { JobService } from '../../src/jobs/service.js';
import { createSettlement, type JobOutcome } from '../../src/jobs/settlement.js';
import { createLogger } from '../../src/log.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { ledgerJob } from '../helpers/ledger-jobs.js';
import { captureLogs } from '../helpers/log-capture.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { sqliteOf } from '../helpers/storage.js';
import { jobsIdle } from '../helpers/jobs.js';
import { GUILD_ID, MEMBER, OTHER_GUILD_ID } from '../helpers/ids.js';

describe('JobService', () => {
  let dir: TempDir;
  let storage: Storage;
  let ledger: SqliteJobLedger;
  let runs: Array<{ id: string; resumed: boolean }>;
  let settled: Array<{ id: string; outcome: JobOutcome }>;
  let logs: ReturnType<typeof captureLogs>;

  beforeEach(async () => {
    dir = await createTempDir('job-service');
    storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    ledger = await SqliteJobLedger.create(sqliteOf(storage));
    runs = [];
    settled = [];
    logs = captureLogs();
  });

  afterEach(async () => {
    await storage.close();
    await dir.remove();
  });

  function service(acknowledgements = new PendingAcknowledgements()) {
    const logger = createLogger({ level: 'info', destination: logs.destination });
    const settle = createSettlement({ ledger, release: async () => undefined, logger });
    return new JobService({
      runner: { run: async (job, { resumed }) => void runs.push({ id: job.id, resumed }) },
      ledger,
      settle: async (job, outcome) => {
        settled.push({ id: job.id, outcome });
        await settle(job, outcome);
      },
      acknowledgements,
      logger,
    });
  }

  it('records a started job in the ledger before running it, after the pending answers', async () => {
    const acknowledgements = new PendingAcknowledgements();
    const answered = acknowledgements.begin();
    const jobs = service(acknowledgements);
    await jobs.start(ledgerJob('a', 1000));
    expect((await ledger.openJobs()).jobs.map((j) => j.id)).toEqual(['a']);
    expect(jobs.inFlightFor(GUILD_ID, MEMBER.id)).toBe(1);
    expect(runs).toEqual([]);
    answered();
    await jobsIdle(jobs);
    expect(runs).toEqual([{ id: 'a', resumed: false }]);
  });

  it('refunds a job it cannot record, and says why', async () => {
    const jobs = service();
    await ledger.open(ledgerJob('dup', 1000));
    await expect(jobs.start(ledgerJob('dup', 1000))).rejects.toThrow(/UNIQUE|constraint/i);
    expect(settled).toEqual([{ id: 'dup', outcome: 'refunded' }]);
    expect(runs).toEqual([]);
  });

  it('refuses new jobs once stopping, refunding them', async () => {
    const jobs = service();
    await jobs.stop(1_000);
    const error = await jobs.start(ledgerJob('late', 1000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Refusal);
    expect((error as Refusal).reason.code).toBe('restarting');
    expect(settled).toEqual([{ id: 'late', outcome: 'refunded' }]);
  });

  it('resumes the jobs it owns and logs the rows that are not jobs, without stopping', async () => {
    await ledger.open(ledgerJob('mine', 1000));
    await ledger.open({ ...ledgerJob('other', 2000), guildId: OTHER_GUILD_ID });
    await sqliteOf(storage).query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', 'torn', 1500, '{');
    const jobs = service();
    const owned = (job: JobRecord) => job.guildId === GUILD_ID;
    expect(await jobs.resume(owned)).toBe(1);
    await jobsIdle(jobs);
    expect(runs).toEqual([{ id: 'mine', resumed: true }]);
    expect(logs.lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'job ledger row is not a valid job; quarantined', jobId: 'torn' }));
  });

  it('a resume that reads the ledger while a set is being written runs none of it a second time', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const expected: Array<[string, number]> = [];
    const logger = createLogger({ level: 'info', destination: logs.destination });
    const jobs = new JobService({
      runner: { run: async (job, { resumed }) => void runs.push({ id: job.id, resumed }) },
      // The third image's row waits, so the resume below reads the first two.
      ledger: { open: async (job) => (job.id === 'set-2' ? gate.then(() => ledger.open(job)) : ledger.open(job)), openJobs: () => ledger.openJobs() },
      settle: async () => undefined,
      acknowledgements: new PendingAcknowledgements(),
      sets: { expect: (setId, count) => void expected.push([setId, count]) },
      logger,
    });
    const set = ['set-0', 'set-1', 'set-2', 'set-3'].map((id, index) => ({ ...ledgerJob(id, 1000 + index), set: { id: 'the-set', index, size: 4 } }));
    const starting = jobs.startAll(set);
    await expect.poll(async () => (await ledger.openJobs()).jobs.length).toBe(2);
    expect(await jobs.resume()).toBe(0);
    release();
    await starting;
    await jobsIdle(jobs);
    expect(runs.toSorted((a, b) => a.id.localeCompare(b.id))).toEqual(set.map(({ id }) => ({ id, resumed: false })));
    expect(expected).toEqual([['the-set', 4]]);
  });
});
