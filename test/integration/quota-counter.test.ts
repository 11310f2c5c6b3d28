import { describe, expect, it, vi } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { createTempDir } from '../helpers/tmp.js';
import { deleteKeysWithPrefix, openTestRedisStorage, redisTestUrl } from '../helpers/redis.js';
import { describeQuotaCounterContract } from './quota-counter-contract.js';
import { sqliteOf } from '../helpers/storage.js';

describeQuotaCounterContract('SQLite file', async () => {
  const dir = await createTempDir();
  const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
  return {
    counter: storage.counters,
    clean: async () => {
      await sqliteOf(storage).query('DELETE FROM quota_usage');
      await sqliteOf(storage).query('DELETE FROM quota_budget');
    },
    close: async () => {
      await storage.close();
      await dir.remove();
    },
  };
});

describeQuotaCounterContract(
  'Redis',
  async () => {
    const opened = await openTestRedisStorage();
    return {
      counter: opened.storage.counters,
      clean: async () => {
        await deleteKeysWithPrefix(opened.redis, opened.keyPrefix);
      },
      close: () => opened.close(),
    };
  },
  { skip: redisTestUrl() === undefined },
);

describe('SqliteQuotaCounter housekeeping', () => {
  it('prunes days older than the 9-day window when it sees a new day, keeping the last 9', async () => {
    const dir = await createTempDir();
    const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    try {
      const scope = (day: string) => ({ guildId: 'g', userId: 'u', day });
      for (const day of ['2024-02-20', '2024-03-01', '2024-03-02', '2024-03-09']) await storage.counters.reserve(scope(day), 5);
      // A reserve on 2024-03-10 removes every day before 2024-03-02 (in the background).
      await storage.counters.reserve(scope('2024-03-10'), 5);
      const days = ['2024-03-10', '2024-03-09', '2024-03-02', '2024-03-01', '2024-02-20'];
      await vi.waitFor(async () => {
        expect(await storage.counters.usedOnDays('g', 'u', days)).toEqual([1, 1, 1, 0, 0]);
      });
      const rows = await sqliteOf(storage).query('SELECT day FROM quota_usage ORDER BY day');
      expect(rows).toEqual([{ day: '2024-03-02' }, { day: '2024-03-09' }, { day: '2024-03-10' }]);
    } finally {
      await storage.close();
      await dir.remove();
    }
  });
});
