import type { Keyv } from 'keyv';
import { KeyedMutex } from './keyed-mutex.js';
import { cleanBannedWord, normalizeForMatching } from './words.js';

export interface GuildSettings {
  paused: boolean;
  defaultLimit: number | undefined;
  bannedWords: string[];
}

export const MAX_BANNED_WORDS = 200;
export const MAX_BANNED_WORD_LENGTH = 64;
export const MAX_DAILY_LIMIT = 100_000;

export type SettingsErrorCode = 'word-empty' | 'word-too-long' | 'too-many-words' | 'invalid-limit';

/** A rejected admin change; the message is written to be shown to the admin as is. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    readonly code: SettingsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Per-guild moderation settings in Keyv, one key per fact, so that two admins changing different
 * things at once never overwrite each other. The banned-word list is the one read-modify-write: its
 * updates are serialised per guild within this process (use one store per process); two processes
 * editing the same guild's list at the same instant could still lose one of the edits.
 */
export class GuildSettingsStore {
  readonly #kv: Keyv;
  readonly #wordsLock = new KeyedMutex();

  constructor(kv: Keyv) {
    this.#kv = kv;
  }

  async get(guildId: string): Promise<GuildSettings> {
    const [paused, defaultLimit, bannedWords] = await Promise.all([
      this.#kv.get<unknown>(keys.paused(guildId)),
      this.defaultLimit(guildId),
      this.#bannedWords(guildId),
    ]);
    return { paused: paused === true, defaultLimit, bannedWords };
  }

  async setPaused(guildId: string, paused: boolean): Promise<void> {
    await this.#setOrDelete(keys.paused(guildId), paused ? true : undefined);
  }

  async defaultLimit(guildId: string): Promise<number | undefined> {
    return asLimit(await this.#kv.get<unknown>(keys.defaultLimit(guildId)));
  }

  async setDefaultLimit(guildId: string, limit: number | undefined): Promise<void> {
    await this.#setOrDelete(keys.defaultLimit(guildId), checkedLimit(limit));
  }

  async userLimit(guildId: string, userId: string): Promise<number | undefined> {
    return asLimit(await this.#kv.get<unknown>(keys.userLimit(guildId, userId)));
  }

  async setUserLimit(guildId: string, userId: string, limit: number | undefined): Promise<void> {
    await this.#setOrDelete(keys.userLimit(guildId, userId), checkedLimit(limit));
  }

  async isBlocked(guildId: string, userId: string): Promise<boolean> {
    return (await this.#kv.get<unknown>(keys.blocked(guildId, userId))) === true;
  }

  async setBlocked(guildId: string, userId: string, blocked: boolean): Promise<void> {
    await this.#setOrDelete(keys.blocked(guildId, userId), blocked ? true : undefined);
  }

  /**
   * Adds a word or phrase unless an equivalent one (same normalised form) is already listed.
   * `word` is the form that is stored (or the equivalent one already listed).
   */
  async addBannedWord(guildId: string, word: string): Promise<{ added: boolean; word: string; words: string[] }> {
    const cleaned = cleanBannedWord(word);
    const matchKey = normalizeForMatching(cleaned);
    if (matchKey === '') throw new SettingsError('word-empty', 'The banned word is empty.');
    if ([...cleaned].length > MAX_BANNED_WORD_LENGTH) {
      throw new SettingsError('word-too-long', `A banned word can be at most ${MAX_BANNED_WORD_LENGTH} characters long.`);
    }
    return this.#wordsLock.run(guildId, async () => {
      const words = await this.#bannedWords(guildId);
      const existing = words.find((listed) => normalizeForMatching(listed) === matchKey);
      if (existing !== undefined) return { added: false, word: existing, words };
      if (words.length >= MAX_BANNED_WORDS) {
        throw new SettingsError('too-many-words', `This server already has the maximum of ${MAX_BANNED_WORDS} banned words.`);
      }
      const updated = [...words, cleaned];
      await this.#setOrDelete(keys.bannedWords(guildId), updated);
      return { added: true, word: cleaned, words: updated };
    });
  }

  /**
   * Removes the listed word equivalent to `word` (same normalised form), if any.
   * `word` is the listed form that was removed, or the cleaned input when none was listed.
   */
  async removeBannedWord(guildId: string, word: string): Promise<{ removed: boolean; word: string; words: string[] }> {
    const cleaned = cleanBannedWord(word);
    const matchKey = normalizeForMatching(cleaned);
    return this.#wordsLock.run(guildId, async () => {
      const words = await this.#bannedWords(guildId);
      const listed = words.find((existing) => normalizeForMatching(existing) === matchKey);
      if (listed === undefined) return { removed: false, word: cleaned, words };
      const remaining = words.filter((existing) => normalizeForMatching(existing) !== matchKey);
      await this.#setOrDelete(keys.bannedWords(guildId), remaining.length > 0 ? remaining : undefined);
      return { removed: true, word: listed, words: remaining };
    });
  }

  async #bannedWords(guildId: string): Promise<string[]> {
    const stored = await this.#kv.get<unknown>(keys.bannedWords(guildId));
    return Array.isArray(stored) ? stored.filter((word): word is string => typeof word === 'string') : [];
  }

  async #setOrDelete(key: string, value: unknown): Promise<void> {
    if (value === undefined) await this.#kv.delete(key);
    // Keyv reports a failed write as `false` unless it was built with throwOnErrors.
    else if (!(await this.#kv.set(key, value))) throw new Error(`settings: could not save ${key}`);
  }
}

const keys = {
  paused: (guildId: string) => `guild:${guildId}:paused`,
  defaultLimit: (guildId: string) => `guild:${guildId}:default-limit`,
  bannedWords: (guildId: string) => `guild:${guildId}:banned-words`,
  userLimit: (guildId: string, userId: string) => `guild:${guildId}:user:${userId}:limit`,
  blocked: (guildId: string, userId: string) => `guild:${guildId}:user:${userId}:blocked`,
};

function checkedLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_DAILY_LIMIT) {
    throw new SettingsError('invalid-limit', `A daily limit must be a whole number from 0 to ${MAX_DAILY_LIMIT}.`);
  }
  return limit;
}

function asLimit(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
