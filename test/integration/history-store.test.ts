import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HISTORY_RETENTION_MS, type HistoryEntry, type HistoryStore } from '../../src/history/history.js';
import { openStorage } from '../../src/storage/index.js';
import { openTestRedisStorage, redisTestUrl } from '../helpers/redis.js';
import { sqliteOf } from '../helpers/storage.js';
import { createTempDir } from '../helpers/tmp.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const MEMBER = '200000000000000001';
const OTHER_MEMBER = '200000000000000002';

/** A store under test and a way to open another store over the same data (same file, or same Redis prefix). */
interface Opened {
  history: HistoryStore;
  reopen(): Promise<HistoryStore>;
}

async function sqlite(): Promise<Opened> {
  const dir = await createTempDir('history');
  const url = `sqlite://${dir.file('bot.sqlite')}`;
  const storage = await openStorage(url);
  onTestFinished(() => dir.remove());
  onTestFinished(() => storage.close());
  return {
    history: storage.history,
    reopen: async () => {
      await storage.close();
      const again = await openStorage(url);
      onTestFinished(() => again.close());
      return again.history;
    },
  };
}

async function redis(): Promise<Opened> {
  const opened = await openTestRedisStorage();
  onTestFinished(() => opened.close());
  return {
    history: opened.storage.history,
    reopen: async () => {
      const again = await openStorage(redisTestUrl()!, { keyPrefix: opened.keyPrefix });
      onTestFinished(() => again.close());
      return again.history;
    },
  };
}

const backends = [
  ['SQLite', sqlite, false],
  ['Redis', redis, redisTestUrl() === undefined],
] as const;

// Real time, so Redis's own expiry (createdAt + retention) lies ahead; the stores are asked about later moments through `now`.
const start = Date.now();

function entry(overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    jobId: randomUUID(),
    guildId: GUILD,
    channelId: '300000000000000001',
    messageId: '400000000000000001',
    userId: MEMBER,
    prompt: 'a lighthouse at dusk',
    aspect: '16:9',
    quality: 'basic',
    model: 'seedream/4.5-text-to-image',
    inputImageUrls: [],
    resultUrl: 'https://tempfile.example/result.png',
    createdAt: start,
    ...overrides,
  };
}

describe.each(backends)('the %s image history', (_name, open, skip) => {
  it.skipIf(skip)('gives back what it recorded, optional fields and all', async () => {
    const { history } = await open();
    const edit = entry({
      model: 'seedream/4.5-edit',
      inputImageUrls: ['https://cdn.discordapp.com/attachments/1/2/in.png'],
      inputSource: { channelId: '1', messageId: '5', attachmentId: '2' },
      imageUrl: 'https://cdn.discordapp.com/attachments/1/3/out.png',
      quality: 'high',
      aspect: '1:1',
    });
    const plain = entry({ createdAt: start + 1 });
    await history.record(edit);
    await history.record(plain);
    expect(await history.get(edit.jobId, start)).toEqual(edit);
    expect(await history.get(plain.jobId, start)).toEqual(plain);
    expect(await history.get(plain.jobId, start)).not.toHaveProperty('imageUrl');
    expect(await history.get(randomUUID(), start)).toBeUndefined();
  });

  it.skipIf(skip)('replaces an entry recorded again under the same jobId', async () => {
    const { history } = await open();
    const first = entry();
    const replaced = { ...first, prompt: 'a lighthouse at dawn', imageUrl: 'https://cdn.discordapp.com/attachments/1/3/out.png', createdAt: start + 5 };
    await history.record(first);
    await history.record(replaced);
    expect(await history.get(first.jobId, start + 5)).toEqual(replaced);
    expect(await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, start + 5)).toEqual({ entries: [replaced], total: 1 });
  });

  it.skipIf(skip)('moves a replaced entry to its new member', async () => {
    const { history } = await open();
    const first = entry();
    await history.record(first);
    await history.record({ ...first, userId: OTHER_MEMBER });
    expect(await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, start)).toEqual({ entries: [], total: 0 });
    expect(await history.listForMember(GUILD, OTHER_MEMBER, { offset: 0, limit: 10 }, start)).toEqual({ entries: [{ ...first, userId: OTHER_MEMBER }], total: 1 });
  });

  it.skipIf(skip)('keeps an entry for the whole retention and not a millisecond more', async () => {
    const { history } = await open();
    const kept = entry();
    await history.record(kept);
    expect(await history.get(kept.jobId, start + HISTORY_RETENTION_MS)).toEqual(kept);
    expect(await history.get(kept.jobId, start + HISTORY_RETENTION_MS + 1)).toBeUndefined();
    expect(await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, start + HISTORY_RETENTION_MS + 1)).toEqual({ entries: [], total: 0 });
  });

  it.skipIf(skip)('lists one member in one guild, newest first, page by page', async () => {
    const { history } = await open();
    const mine = [0, 1, 2, 3, 4].map((day) => entry({ createdAt: start + day * DAY_MS, prompt: `day ${day}` }));
    // Recorded out of order: the order comes from createdAt, not from writing.
    for (const index of [3, 0, 4, 1, 2]) await history.record(mine[index]!);
    await history.record(entry({ userId: OTHER_MEMBER, createdAt: start + 2 * DAY_MS + 1 }));
    await history.record(entry({ guildId: OTHER_GUILD, createdAt: start + 2 * DAY_MS + 2 }));
    const now = start + 5 * DAY_MS;
    const newestFirst = [...mine].reverse();

    expect(await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 2 }, now)).toEqual({ entries: newestFirst.slice(0, 2), total: 5 });
    expect(await history.listForMember(GUILD, MEMBER, { offset: 2, limit: 2 }, now)).toEqual({ entries: newestFirst.slice(2, 4), total: 5 });
    expect(await history.listForMember(GUILD, MEMBER, { offset: 4, limit: 2 }, now)).toEqual({ entries: newestFirst.slice(4), total: 5 });
    expect(await history.listForMember(GUILD, MEMBER, { offset: 5, limit: 2 }, now)).toEqual({ entries: [], total: 5 });
    expect(await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 0 }, now)).toEqual({ entries: [], total: 5 });
    expect(await history.listForMember(GUILD, OTHER_MEMBER, { offset: 0, limit: 10 }, now)).toMatchObject({ total: 1 });
    expect(await history.listForMember(OTHER_GUILD, MEMBER, { offset: 0, limit: 10 }, now)).toMatchObject({ total: 1 });
    expect(await history.listForMember(OTHER_GUILD, OTHER_MEMBER, { offset: 0, limit: 10 }, now)).toEqual({ entries: [], total: 0 });
    // Once the oldest has outlived the retention it is neither listed nor counted.
    const later = start + HISTORY_RETENTION_MS + 1;
    expect(await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, later)).toEqual({ entries: newestFirst.slice(0, 4), total: 4 });
  });

  it.skipIf(skip)('rejects a page that is not one', async () => {
    const { history } = await open();
    await expect(history.listForMember(GUILD, MEMBER, { offset: -1, limit: 10 }, start)).rejects.toThrow(RangeError);
    await expect(history.listForMember(GUILD, MEMBER, { offset: 0, limit: 1.5 }, start)).rejects.toThrow(RangeError);
  });

  it.skipIf(skip)('refuses to record what it could not read back', async () => {
    const { history } = await open();
    await expect(history.record(entry({ jobId: 'not-a-uuid' }))).rejects.toThrow();
    await expect(history.record(entry({ guildId: 'general' }))).rejects.toThrow();
  });

  it.skipIf(skip)('forgets a removed entry, and only that one', async () => {
    const { history } = await open();
    const removed = entry();
    const kept = entry({ createdAt: start + 1 });
    await history.record(removed);
    await history.record(kept);
    await history.remove(removed.jobId);
    await history.remove(randomUUID());
    expect(await history.get(removed.jobId, start + 1)).toBeUndefined();
    expect(await history.get(kept.jobId, start + 1)).toEqual(kept);
    expect(await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, start + 1)).toEqual({ entries: [kept], total: 1 });
  });

  it.skipIf(skip)('prunes only what has outlived the retention', async () => {
    const { history } = await open();
    const old = [entry(), entry({ userId: OTHER_MEMBER }), entry({ guildId: OTHER_GUILD, createdAt: start + DAY_MS })];
    const recent = entry({ createdAt: start + 3 * DAY_MS });
    for (const each of [...old, recent]) await history.record(each);
    const now = start + HISTORY_RETENTION_MS + 2 * DAY_MS;

    expect(await history.prune(now)).toBe(3);
    expect(await history.prune(now)).toBe(0);
    for (const each of old) expect(await history.get(each.jobId, start)).toBeUndefined();
    expect(await history.get(recent.jobId, now)).toEqual(recent);
    // Even asked about a moment when they were live, the pruned are gone.
    expect(await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, start + 3 * DAY_MS)).toEqual({ entries: [recent], total: 1 });
    expect(await history.listForMember(GUILD, OTHER_MEMBER, { offset: 0, limit: 10 }, start)).toEqual({ entries: [], total: 0 });
  });

  it.skipIf(skip)('keeps entries when the store is closed and opened again', async () => {
    const { history, reopen } = await open();
    const kept = entry({ imageUrl: 'https://cdn.discordapp.com/attachments/1/3/out.png' });
    await history.record(kept);
    const again = await reopen();
    expect(await again.get(kept.jobId, start)).toEqual(kept);
    expect(await again.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, start)).toEqual({ entries: [kept], total: 1 });
  });
});

describe('the SQLite image history', () => {
  it('skips a row that does not read back as an entry', async () => {
    const dir = await createTempDir('history');
    const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    onTestFinished(() => dir.remove());
    onTestFinished(() => storage.close());
    const good = entry();
    await storage.history.record(good);
    const torn = randomUUID();
    await sqliteOf(storage).query(
      'INSERT INTO imagine_history (job_id, guild_id, user_id, created_at, record) VALUES (?, ?, ?, ?, ?)',
      torn,
      GUILD,
      MEMBER,
      start + 1,
      '{"jobId":',
    );
    expect(await storage.history.get(torn, start)).toBeUndefined();
    expect((await storage.history.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, start)).entries).toEqual([good]);
  });
});

describe.skipIf(redisTestUrl() === undefined)('the Redis image history', () => {
  it('lets entry keys expire at createdAt + retention and skips a key that does not read back', async () => {
    const opened = await openTestRedisStorage();
    onTestFinished(() => opened.close());
    const { history } = opened.storage;
    const kept = entry();
    await history.record(kept);
    const key = `${opened.keyPrefix}history:${kept.jobId}`;
    expect(await opened.redis.pExpireTime(key)).toBe(start + HISTORY_RETENTION_MS + 1);
    expect(await opened.redis.zScore(`${opened.keyPrefix}history:${GUILD}:${MEMBER}`, kept.jobId)).toBe(start);

    await opened.redis.set(key, '{"jobId":');
    expect(await history.get(kept.jobId, start)).toBeUndefined();
    expect((await history.listForMember(GUILD, MEMBER, { offset: 0, limit: 10 }, start)).entries).toEqual([]);
  });

  it('records nothing lasting for an entry already past the retention', async () => {
    const opened = await openTestRedisStorage();
    onTestFinished(() => opened.close());
    const stale = entry({ createdAt: Date.now() - HISTORY_RETENTION_MS - DAY_MS });
    await opened.storage.history.record(stale);
    expect(await opened.redis.exists(`${opened.keyPrefix}history:${stale.jobId}`)).toBe(0);
    expect(await opened.storage.history.prune(Date.now())).toBe(1);
    expect(await opened.redis.exists(`${opened.keyPrefix}history:${GUILD}:${MEMBER}`)).toBe(0);
  });
});
