import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admit } from '../../src/jobs/admission.js';
import { memberChoices } from '../../src/interactions/effective-options.js';
import { MemberDefaultsStore } from '../../src/policy/member-defaults.js';
import { GuildSettingsStore } from '../../src/policy/settings-store.js';
import { QuotaService } from '../../src/quota/quota-service.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { deleteKeysWithPrefix, redisTestUrl, uniqueKeyPrefix } from '../helpers/redis.js';
import { redisOf } from '../helpers/storage.js';
import { createTempDir } from '../helpers/tmp.js';
import { GUILD_ID } from '../helpers/ids.js';
import { startWorker } from '../helpers/worker.js';

const CHANGE_WORKER = fileURLToPath(new URL('./policy-change-worker.ts', import.meta.url));

const AT_ONCE = 200;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sqliteStorage(): Promise<Storage> {
  const dir = await createTempDir('policy');
  const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
  cleanups.push(() => dir.remove(), () => storage.close());
  return storage;
}

async function redisStorage(keyPrefix: string): Promise<Storage> {
  const storage = await openStorage(redisTestUrl()!, { keyPrefix });
  cleanups.push(() => storage.close());
  return storage;
}

/** 200 members of one server ask at once, on a store nobody has read yet: how many policy reads reach the store. */
async function expectOneReadForConcurrentAdmissions(storage: Storage): Promise<void> {
  const settings = new GuildSettingsStore(storage.kv);
  cleanups.push(async () => settings.close());
  await settings.addBannedWord(GUILD_ID, 'dragon');
  settings.invalidate(GUILD_ID);
  const quota = new QuotaService({ counter: storage.counters, settings, defaultDaily: 5 });
  const reads = vi.spyOn(storage.kv, 'getMany');
  const verdicts = await Promise.all(
    Array.from({ length: AT_ONCE }, (_, index) =>
      admit({ settings, quota }, { guildId: GUILD_ID, userId: `member-${index}`, roleIds: [], channelId: 'general', prompt: index % 10 === 0 ? 'a DRAGON' : 'a lighthouse' }),
    ),
  );
  expect(reads).toHaveBeenCalledTimes(1);
  expect(verdicts.filter((verdict) => verdict.admitted)).toHaveLength(AT_ONCE - AT_ONCE / 10);
  expect(verdicts.filter((verdict) => !verdict.admitted).every((verdict) => !verdict.admitted && verdict.refusal.code === 'banned_word')).toBe(true);
  // Cached now: further admissions read nothing but reserve.
  await admit({ settings, quota }, { guildId: GUILD_ID, userId: 'late', roleIds: [], channelId: 'general', prompt: 'a boat' });
  expect(reads).toHaveBeenCalledTimes(1);
}

/** Members' /settings defaults come with the server's policy: 200 members reading theirs at once make one store read. */
async function expectDefaultsInTheOneRead(storage: Storage): Promise<void> {
  const settings = new GuildSettingsStore(storage.kv);
  cleanups.push(async () => settings.close());
  const defaults = new MemberDefaultsStore(settings);
  await defaults.update(GUILD_ID, 'member-7', { aspect: '16:9' });
  await defaults.update(GUILD_ID, 'member-7', { count: 2 });
  await defaults.update(GUILD_ID, 'member-8', { quality: 'high' });
  await defaults.reset(GUILD_ID, 'member-8');
  settings.invalidate(GUILD_ID);
  const many = vi.spyOn(storage.kv, 'getMany');
  const single = vi.spyOn(storage.kv, 'get');
  const choices = await Promise.all(Array.from({ length: AT_ONCE }, (_, index) => memberChoices({ settings }, GUILD_ID, `member-${index}`)));
  expect(many).toHaveBeenCalledTimes(1);
  expect(single).not.toHaveBeenCalled();
  expect(choices[7]!.defaults).toEqual({ aspect: '16:9', count: 2 });
  expect(choices[8]!.defaults).toEqual({});
  expect(choices.filter((choice) => Object.keys(choice.defaults).length > 0)).toHaveLength(1);
}

describe('the server policy cache', () => {
  it('SQLite: 200 concurrent admissions on a cold cache make one store read', async () => {
    await expectOneReadForConcurrentAdmissions(await sqliteStorage());
  });

  it("SQLite: members' defaults are read with the policy, not one by one", async () => {
    await expectDefaultsInTheOneRead(await sqliteStorage());
  });

  it('an admin change through the store applies to the next admission at once, and the banned words are compiled once per list', async () => {
    const storage = await sqliteStorage();
    const settings = new GuildSettingsStore(storage.kv);
    const first = await settings.policy(GUILD_ID);
    expect(await settings.policy(GUILD_ID)).toBe(first);
    await settings.addBannedWord(GUILD_ID, 'kraken');
    const second = await settings.policy(GUILD_ID);
    expect(second.bannedWordMatcher).not.toBe(first.bannedWordMatcher);
    expect(second.bannedWordMatcher.find('a KR4KEN rises')).toBe('kraken');
    await settings.setPaused(GUILD_ID, true);
    expect((await settings.policy(GUILD_ID)).paused).toBe(true);
    expect((await settings.policy(GUILD_ID)).bannedWordMatcher).toBe((await settings.policy(GUILD_ID)).bannedWordMatcher);
  });

  describe.skipIf(!redisTestUrl())('Redis', () => {
    const prefixed = () => {
      const keyPrefix = uniqueKeyPrefix();
      cleanups.push(async () => {
        const cleaner = await openStorage(redisTestUrl()!, { keyPrefix });
        try {
          await deleteKeysWithPrefix(redisOf(cleaner), keyPrefix);
        } finally {
          await cleaner.close();
        }
      });
      return keyPrefix;
    };

    it("members' defaults are read with the policy, not one by one", async () => {
      await expectDefaultsInTheOneRead(await redisStorage(prefixed()));
    });

    it('200 concurrent admissions on a cold cache make one store read', async () => {
      await expectOneReadForConcurrentAdmissions(await redisStorage(prefixed()));
    });

    it('a change made by another process (its own connection and store) is seen within 1 s', async () => {
      const keyPrefix = prefixed();
      const [mine, theirs] = [await redisStorage(keyPrefix), await redisStorage(keyPrefix)];
      const watching = new GuildSettingsStore(mine.kv, { sharedWithOtherProcesses: true });
      const other = new GuildSettingsStore(theirs.kv, { sharedWithOtherProcesses: true });
      cleanups.push(async () => watching.close(), async () => other.close());
      expect((await watching.policy(GUILD_ID)).paused).toBe(false);
      expect(await watching.isBlocked(GUILD_ID, 'u1')).toBe(false);

      const changedAt = Date.now();
      await other.setPaused(GUILD_ID, true);
      await vi.waitFor(async () => expect((await watching.policy(GUILD_ID)).paused).toBe(true), { timeout: 1_000, interval: 20 });
      const seenAfterMs = Date.now() - changedAt;
      expect(seenAfterMs).toBeLessThan(1_000);

      await other.setBlocked(GUILD_ID, 'u1', true);
      await vi.waitFor(async () => expect(await watching.isBlocked(GUILD_ID, 'u1')).toBe(true), { timeout: 1_000, interval: 20 });
    });

    it('a change made by another operating-system process on the same Redis is seen within 1 s', async () => {
      const keyPrefix = prefixed();
      const storage = await redisStorage(keyPrefix);
      // The bot's own interval on Redis (app.ts): a cached policy is checked against the store's version every 400 ms.
      const watching = new GuildSettingsStore(storage.kv, { sharedWithOtherProcesses: true });
      cleanups.push(async () => watching.close());
      for (const [change, changed] of [
        ['pause', async () => (await watching.policy(GUILD_ID)).paused],
        ['block:u2', async () => (await watching.policy(GUILD_ID)).blocked.has('u2')],
      ] as const) {
        expect(await changed()).toBe(false);
        const worker = startWorker<{ changedAt: number }>(CHANGE_WORKER, [redisTestUrl()!, keyPrefix, GUILD_ID, change]);
        cleanups.push(async () => worker.process.kill('SIGKILL'));
        await worker.ready;
        worker.go();
        const { changedAt } = await worker.result;
        await vi.waitFor(async () => expect(await changed()).toBe(true), { timeout: 1_000, interval: 10 });
        expect(Date.now() - changedAt).toBeLessThan(1_000);
      }
    });
  });
});
