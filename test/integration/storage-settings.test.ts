import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuildSettingsStore, MAX_BANNED_WORDS, SettingsError } from '../../src/policy/settings-store.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { openTestRedisStorage, redisTestUrl } from '../helpers/redis.js';
import { createTempDir } from '../helpers/tmp.js';
import { rejectionOf } from '../helpers/rejection.js';

interface Backend {
  storage: Storage;
  close(): Promise<void>;
}

const backends: [string, () => Promise<Backend>, boolean][] = [
  [
    'SQLite file',
    async () => {
      const dir = await createTempDir();
      const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
      return {
        storage,
        close: async () => {
          await storage.close();
          await dir.remove();
        },
      };
    },
    false,
  ],
  [
    'Redis',
    async () => {
      const opened = await openTestRedisStorage();
      return { storage: opened.storage, close: () => opened.close() };
    },
    redisTestUrl() === undefined,
  ],
];

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return (await rejectionOf(promise, SettingsError)).code;
}

function letters(index: number): string {
  return String.fromCharCode(97 + (index % 26)) + (index >= 26 ? letters(Math.floor(index / 26) - 1) : '');
}

let guildCounter = 0;
const newGuild = () => `guild-${Date.now()}-${++guildCounter}`;

for (const [name, openBackend, skip] of backends) {
  describe.skipIf(skip)(`GuildSettingsStore on ${name}`, () => {
    let backend: Backend;
    let settings: GuildSettingsStore;

    beforeAll(async () => {
      backend = await openBackend();
      settings = new GuildSettingsStore(backend.storage.kv);
    });
    afterAll(async () => {
      await backend?.close();
    });

    it('starts with nothing set', async () => {
      const guild = newGuild();
      expect(await settings.get(guild)).toEqual({ paused: false, defaultLimit: undefined, bannedWords: [], allowedChannels: [] });
      expect(await settings.userLimit(guild, 'u1')).toBeUndefined();
      expect(await settings.isBlocked(guild, 'u1')).toBe(false);
    });

    it('sets and clears pause, default limit, user limit and blocks, per guild and user', async () => {
      const guild = newGuild();
      const other = newGuild();
      await settings.setPaused(guild, true);
      await settings.setDefaultLimit(guild, 0);
      await settings.setUserLimit(guild, 'u1', 25);
      await settings.setBlocked(guild, 'u2', true);

      expect(await settings.get(guild)).toEqual({ paused: true, defaultLimit: 0, bannedWords: [], allowedChannels: [] });
      expect(await settings.userLimit(guild, 'u1')).toBe(25);
      expect(await settings.userLimit(guild, 'u2')).toBeUndefined();
      expect(await settings.isBlocked(guild, 'u2')).toBe(true);
      expect(await settings.isBlocked(guild, 'u1')).toBe(false);
      expect(await settings.get(other)).toEqual({ paused: false, defaultLimit: undefined, bannedWords: [], allowedChannels: [] });
      expect(await settings.isBlocked(other, 'u2')).toBe(false);

      await settings.setPaused(guild, false);
      await settings.setDefaultLimit(guild, undefined);
      await settings.setUserLimit(guild, 'u1', undefined);
      await settings.setBlocked(guild, 'u2', false);
      expect(await settings.get(guild)).toEqual({ paused: false, defaultLimit: undefined, bannedWords: [], allowedChannels: [] });
      expect(await settings.userLimit(guild, 'u1')).toBeUndefined();
      expect(await settings.isBlocked(guild, 'u2')).toBe(false);
    });

    it('keeps the log channel, the allowed channels and role limits, per guild', async () => {
      const guild = newGuild();
      const other = newGuild();
      await settings.setLogChannel(guild, '900');
      expect(await settings.allowChannel(guild, '901')).toBe(true);
      expect(await settings.allowChannel(guild, '901')).toBe(false);
      expect(await settings.allowChannel(guild, '902')).toBe(true);
      await settings.setRoleLimit(guild, 'r1', 4);
      await settings.setRoleLimit(guild, 'r2', 0);
      const fresh = new GuildSettingsStore(backend.storage.kv);
      expect(await fresh.logChannel(guild)).toBe('900');
      expect((await fresh.get(guild)).allowedChannels).toEqual(['901', '902']);
      expect(await fresh.roleLimits(guild)).toEqual({ r1: 4, r2: 0 });
      expect(await fresh.logChannel(other)).toBeUndefined();
      expect(await fresh.roleLimits(other)).toEqual({});

      expect(await settings.removeChannel(guild, '901')).toBe(true);
      expect(await settings.removeChannel(guild, '901')).toBe(false);
      await settings.setLogChannel(guild, undefined);
      await settings.setRoleLimit(guild, 'r1', undefined);
      const after = new GuildSettingsStore(backend.storage.kv);
      expect(await after.allowedChannels(guild)).toEqual(['902']);
      expect(await after.logChannel(guild)).toBeUndefined();
      expect(await after.roleLimits(guild)).toEqual({ r2: 0 });
    });

    it('refuses limits that are not whole numbers from 0 to 100000', async () => {
      const guild = newGuild();
      for (const bad of [-1, 1.5, 100_001, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(await codeOf(settings.setDefaultLimit(guild, bad))).toBe('invalid-limit');
        expect(await codeOf(settings.setUserLimit(guild, 'u1', bad))).toBe('invalid-limit');
      }
      await settings.setDefaultLimit(guild, 100_000);
      expect((await settings.get(guild)).defaultLimit).toBe(100_000);
      expect(await settings.userLimit(guild, 'u1')).toBeUndefined();
    });

    it('stores banned words cleaned up and treats equivalent spellings as the same word', async () => {
      const guild = newGuild();
      expect(await settings.addBannedWord(guild, '  Bad   WORD ')).toEqual({ added: true, word: 'bad word', words: ['bad word'] });
      expect(await settings.addBannedWord(guild, 'ＤＲＡＧＯＮ')).toEqual({ added: true, word: 'dragon', words: ['bad word', 'dragon'] });
      expect(await settings.addBannedWord(guild, 'B@D wørd'.replace('ø', 'o'))).toEqual({
        added: false,
        word: 'bad word',
        words: ['bad word', 'dragon'],
      });
      expect(await settings.addBannedWord(guild, 'drag\u200Bon')).toEqual({ added: false, word: 'dragon', words: ['bad word', 'dragon'] });
      expect((await settings.get(guild)).bannedWords).toEqual(['bad word', 'dragon']);
    });

    it('removes an equivalent spelling and reports when nothing matched', async () => {
      const guild = newGuild();
      await settings.addBannedWord(guild, 'dragon');
      await settings.addBannedWord(guild, 'bad word');
      expect(await settings.removeBannedWord(guild, 'DR4GON')).toEqual({ removed: true, word: 'dragon', words: ['bad word'] });
      expect(await settings.removeBannedWord(guild, 'dragon')).toEqual({ removed: false, word: 'dragon', words: ['bad word'] });
      expect(await settings.removeBannedWord(guild, ' Bad Word ')).toEqual({ removed: true, word: 'bad word', words: [] });
      expect((await settings.get(guild)).bannedWords).toEqual([]);
    });

    it('rejects empty and over-long words with a code the bot can show', async () => {
      const guild = newGuild();
      expect(await codeOf(settings.addBannedWord(guild, '   '))).toBe('word-empty');
      expect(await codeOf(settings.addBannedWord(guild, '\u200B\u200D\uFEFF'))).toBe('word-empty');
      expect(await codeOf(settings.addBannedWord(guild, 'x'.repeat(65)))).toBe('word-too-long');
      expect((await settings.addBannedWord(guild, 'y'.repeat(64))).added).toBe(true);
      expect((await settings.get(guild)).bannedWords).toEqual(['y'.repeat(64)]);
    });

    it('loses no word when many are added at once (per-guild lock)', async () => {
      const guild = newGuild();
      const words = Array.from({ length: 30 }, (_, index) => `word${letters(index)}`);
      const results = await Promise.all(words.map((word) => settings.addBannedWord(guild, word)));
      expect(results.every((result) => result.added)).toBe(true);
      expect([...(await settings.get(guild)).bannedWords].sort()).toEqual([...words].sort());
      await Promise.all(words.slice(0, 10).map((word) => settings.removeBannedWord(guild, word)));
      expect([...(await settings.get(guild)).bannedWords].sort()).toEqual(words.slice(10).sort());
    });

    it(`caps the list at ${MAX_BANNED_WORDS} words`, async () => {
      const guild = newGuild();
      // Letters only: digits would fold into letters ('w0x' ≡ 'wox') and make equivalent entries.
      const words = Array.from({ length: MAX_BANNED_WORDS }, (_, index) => `w${letters(index)}`);
      await backend.storage.kv.set(`guild:${guild}:banned-words`, words);
      expect(await codeOf(settings.addBannedWord(guild, 'one-more'))).toBe('too-many-words');
      expect((await settings.addBannedWord(guild, words[5]!)).added).toBe(false);
      await settings.removeBannedWord(guild, words[0]!);
      expect((await settings.addBannedWord(guild, 'one-more')).added).toBe(true);
      expect((await settings.get(guild)).bannedWords).toHaveLength(MAX_BANNED_WORDS);
    });
  });
}
