import { describe, expect, it, onTestFinished } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { ledgerJob } from '../helpers/ledger-jobs.js';
import { openTestRedisStorage, redisTestUrl } from '../helpers/redis.js';
import { redisOf } from '../helpers/storage.js';
import { createTempDir } from '../helpers/tmp.js';


async function sqlite(): Promise<Storage> {
  const dir = await createTempDir('backends');
  const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
  onTestFinished(() => dir.remove());
  onTestFinished(() => storage.close());
  return storage;
}

async function redis(): Promise<Storage> {
  const opened = await openTestRedisStorage();
  onTestFinished(() => opened.close());
  return opened.storage;
}

const backends = [
  ['SQLite', sqlite, false],
  ['Redis', redis, redisTestUrl() === undefined],
] as const;

describe.each(backends)('the %s backend returns everything the bot stores', (_name, open, skip) => {
  it.skipIf(skip)('a job ledger that keeps jobs in order and forgets closed ones', async () => {
    const { ledger } = await open();
    await ledger.open(ledgerJob('b', 2000));
    await ledger.open(ledgerJob('a', 1000));
    await ledger.update({ ...ledgerJob('a', 1000), phase: 'watching', taskId: 'task-a', submittedAt: 1100 });
    await ledger.close('b');
    expect(await ledger.openJobs()).toEqual({ jobs: [{ ...ledgerJob('a', 1000), phase: 'watching', taskId: 'task-a', submittedAt: 1100 }], quarantined: [] });
  });

  it.skipIf(skip)('a spend counter of images and KIE credits per server and day, added to concurrently', async () => {
    const { spend } = await open();
    await Promise.all(Array.from({ length: 20 }, (_, i) => spend.add('g1', '2026-12-06', i % 2 === 0 ? 6.5 : 0)));
    await spend.add('g1', '2026-12-05', 6.5);
    await spend.add('g2', '2026-12-06', 13);
    expect(await spend.days('g1', ['2026-12-06', '2026-12-05', '2026-12-04'])).toEqual([
      { day: '2026-12-06', images: 20, credits: 65 },
      { day: '2026-12-05', images: 1, credits: 6.5 },
      { day: '2026-12-04', images: 0, credits: 0 },
    ]);
    expect(await spend.days('g2', ['2026-12-06'])).toEqual([{ day: '2026-12-06', images: 1, credits: 13 }]);
  });

  it.skipIf(skip)('KIE request budgets for one process and for a share among several', async () => {
    const storage = await open();
    for (const processes of [1, 3]) {
      const budgets = storage.budgets(processes, (error) => {
        throw error;
      });
      await budgets.create.acquire();
      await budgets.poll.acquire();
    }
  });
});

describe.skipIf(redisTestUrl() === undefined)('the Redis ledger', () => {
  it('moves a field that is not a job to the quarantine hash, keeping its text', async () => {
    const storage = await redis();
    const client = redisOf(storage);
    await storage.ledger.open(ledgerJob('good', 1000));
    await client.hSet(`${storage.keyPrefix}jobs`, 'torn', '{"id":"torn"');

    const { jobs, quarantined } = await storage.ledger.openJobs();
    expect(jobs.map((job) => job.id)).toEqual(['good']);
    expect(quarantined).toEqual([{ id: 'torn', problem: 'not JSON' }]);
    expect(await client.hKeys(`${storage.keyPrefix}jobs`)).toEqual(['good']);
    expect(JSON.parse((await client.hGet(`${storage.keyPrefix}jobs:quarantine`, 'torn'))!)).toEqual({ record: '{"id":"torn"', problem: 'not JSON' });
  });
});
