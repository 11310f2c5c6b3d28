import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { GuildSettingsStore } from '../../src/policy/settings-store.js';
import { openStorage, StorageError, type Storage } from '../../src/storage/index.js';
import { deleteKeysWithPrefix, keysWithPrefix, openTestRedisStorage, redisTestUrl, uniqueKeyPrefix } from '../helpers/redis.js';
import { redisOf } from '../helpers/storage.js';


async function open(keyPrefix: string): Promise<Storage> {
  const storage = await openStorage(redisTestUrl()!, { keyPrefix });
  onTestFinished(() => storage.close());
  return storage;
}

describe.skipIf(redisTestUrl() === undefined)('openStorage: Redis', () => {
  it('connects, answers PING and exposes the client', async () => {
    const { storage, keyPrefix } = await openTestRedisStorage();
    onTestFinished(() => storage.close());
    expect(storage.kind).toBe('redis');
    expect(storage.keyPrefix).toBe(keyPrefix);
    expect('sqlite' in storage).toBe(false);
    expect(await redisOf(storage).ping()).toBe('PONG');
  });

  it('keeps settings and usage across a close and reopen, every key under the prefix', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const scope = { guildId: 'g1', userId: 'u1', day: '2024-03-10' };
    const first = await openStorage(redisTestUrl()!, { keyPrefix });
    const settings = new GuildSettingsStore(first.kv);
    await settings.setPaused('g1', true);
    await settings.addBannedWord('g1', 'dragon');
    await first.counters.reserve(scope, 5);
    await first.close();

    const second = await open(keyPrefix);
    onTestFinished(async () => {
      await deleteKeysWithPrefix(redisOf(second), keyPrefix);
    });
    expect(await new GuildSettingsStore(second.kv).get('g1')).toEqual({ paused: true, defaultLimit: undefined, bannedWords: ['dragon'], allowedChannels: [] });
    expect(await second.counters.used(scope)).toBe(1);
    expect(await keysWithPrefix(redisOf(second), keyPrefix)).toEqual([
      `${keyPrefix}quota-budget:2024-03-10`,
      `${keyPrefix}quota-total:g1:2024-03-10`,
      `${keyPrefix}quota:g1:2024-03-10`,
      `${keyPrefix}settings::guild:g1:banned-words`,
      `${keyPrefix}settings::guild:g1:paused`,
      `${keyPrefix}settings::guild:g1:policy-version`,
    ]);
    for (const key of [`${keyPrefix}quota:g1:2024-03-10`, `${keyPrefix}quota-total:g1:2024-03-10`]) {
      const ttl = await redisOf(second).ttl(key);
      expect(ttl).toBeGreaterThan(8 * 86_400);
      expect(ttl).toBeLessThanOrEqual(9 * 86_400);
    }
  });

  it('keeps two key prefixes apart on one server', async () => {
    const scope = { guildId: 'g1', userId: 'u1', day: '2024-03-10' };
    const a = await openTestRedisStorage();
    const b = await openTestRedisStorage();
    onTestFinished(() => a.close());
    onTestFinished(() => b.close());
    await new GuildSettingsStore(a.storage.kv).setDefaultLimit('g1', 7);
    await a.storage.counters.reserve(scope, 5);
    expect(await new GuildSettingsStore(b.storage.kv).get('g1')).toEqual({ paused: false, defaultLimit: undefined, bannedWords: [], allowedChannels: [] });
    expect(await b.storage.counters.used(scope)).toBe(0);
    expect(await b.storage.counters.guildDay('g1', scope.day)).toEqual([]);
  });

  it('survives a dropped connection: reports it through onError, reconnects, keeps working', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const errors: unknown[] = [];
    const storage = await openStorage(redisTestUrl()!, { keyPrefix, onError: (error) => errors.push(error) });
    onTestFinished(() => storage.close());
    const killer = await openTestRedisStorage(keyPrefix);
    onTestFinished(() => killer.close());
    const scope = { guildId: 'g1', userId: 'u1', day: '2024-03-10' };
    await storage.counters.reserve(scope, 5);

    const id = await redisOf(storage).sendCommand<number>(['CLIENT', 'ID']);
    expect(await killer.redis.sendCommand(['CLIENT', 'KILL', 'ID', String(id)])).toBe(1);
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(await storage.counters.reserve(scope, 5)).toEqual({ granted: true, used: 2, guildUsed: 2 });
    expect(await storage.kv.set('still', 'here')).toBe(true);
  });

  it('reports a wrong password without repeating it', async () => {
    const url = new URL(redisTestUrl()!);
    url.username = 'nobody';
    url.password = 'wrong-pass-123';
    const error = await openStorage(url.toString()).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(new RegExp(`^STORAGE_URL: cannot reach Redis at ${url.hostname}:${url.port} \\(`));
    expect((error as Error).message).not.toContain('wrong-pass-123');
  });
});
