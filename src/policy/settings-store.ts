import type { Keyv } from 'keyv';
import { messages } from '../messages.js';
import { KeyedMutex } from '../moderation/keyed-mutex.js';
import { cleanBannedWord, normalizeForMatching } from '../moderation/words.js';

export interface GuildSettings {
  paused: boolean;
  defaultLimit: number | undefined;
  bannedWords: string[];
  /** Where /imagine may be used; empty = everywhere. */
  allowedChannels: string[];
}

export const MAX_BANNED_WORDS = 200;
export const MAX_BANNED_WORD_LENGTH = 64;
export const MAX_DAILY_LIMIT = 100_000;
/** Discord lists at most 25 channels in a message comfortably; more would be no rule at all. */
export const MAX_ALLOWED_CHANNELS = 25;

export type SettingsErrorCode = 'word-empty' | 'word-too-long' | 'too-many-words' | 'invalid-limit' | 'over-ceiling' | 'too-many-channels';

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
 * Per-guild moderation settings in Keyv: a few keys per guild (paused, default limit, banned words,
 * blocked members, member limits), each read once and cached briefly, so that admitting an /imagine costs
 * no per-member query. The lists and maps are read-modify-write: updates are serialised per key within
 * this process, and a guild's commands all reach the one process that runs its shard; only two unsharded
 * bot processes editing the same guild's list at the same instant could lose one of the edits.
 */
export class GuildSettingsStore {
  readonly #kv: Keyv;
  readonly #editLock = new KeyedMutex();
  /**
   * Reads are cached briefly (and concurrent reads of one key share a single store query), because every
   * /imagine reads several settings before Discord's 3 s deadline. Writes through this store update the
   * cache at once; another process's write is seen within cacheTtlMs.
   */
  readonly #cache = new Map<string, { value: Promise<unknown>; expiresAt: number }>();
  readonly #cacheTtlMs: number;
  readonly #now: () => number;
  /** The operator's MAX_MEMBER_DAILY: the highest member, role or server limit an admin may set. */
  readonly #memberCeiling: number | undefined;

  constructor(kv: Keyv, options: { cacheTtlMs?: number; now?: () => number; maxMemberDaily?: number | undefined } = {}) {
    this.#kv = kv;
    this.#cacheTtlMs = options.cacheTtlMs ?? 2_000;
    this.#now = options.now ?? Date.now;
    this.#memberCeiling = options.maxMemberDaily;
  }

  /** A member, role or server limit an admin may set: checked against the bounds and the operator's ceiling. */
  #memberLimit(limit: number | undefined): number | undefined {
    const checked = checkedLimit(limit);
    if (checked !== undefined && this.#memberCeiling !== undefined && checked > this.#memberCeiling) {
      throw new SettingsError('over-ceiling', messages.limitOverCeiling(this.#memberCeiling));
    }
    return checked;
  }

  #read(key: string): Promise<unknown> {
    const now = this.#now();
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = this.#kv.get<unknown>(key);
    this.#cache.set(key, { value, expiresAt: now + this.#cacheTtlMs });
    // A failed read must not be served from the cache.
    value.catch(() => this.#cache.delete(key));
    if (this.#cache.size > 10_000) this.#evictExpired(now);
    return value;
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#cache) if (entry.expiresAt <= now) this.#cache.delete(key);
  }

  async get(guildId: string): Promise<GuildSettings> {
    const [paused, defaultLimit, bannedWords, allowedChannels] = await Promise.all([
      this.#read(keys.paused(guildId)),
      this.defaultLimit(guildId),
      this.#bannedWords(guildId),
      this.allowedChannels(guildId),
    ]);
    return { paused: paused === true, defaultLimit, bannedWords, allowedChannels };
  }

  /** The moderation log channel, if an admin set one. */
  async logChannel(guildId: string): Promise<string | undefined> {
    const stored = await this.#read(keys.logChannel(guildId));
    return typeof stored === 'string' ? stored : undefined;
  }

  async setLogChannel(guildId: string, channelId: string | undefined): Promise<void> {
    await this.#setOrDelete(keys.logChannel(guildId), channelId);
  }

  async allowedChannels(guildId: string): Promise<string[]> {
    return this.#stringList(keys.allowedChannels(guildId));
  }

  /** Adds a channel to the list /imagine is limited to; false when it was listed already. */
  async allowChannel(guildId: string, channelId: string): Promise<boolean> {
    return this.#editLock.run(keys.allowedChannels(guildId), async () => {
      const channels = await this.#stringList(keys.allowedChannels(guildId), true);
      if (channels.includes(channelId)) return false;
      if (channels.length >= MAX_ALLOWED_CHANNELS) {
        throw new SettingsError('too-many-channels', `At most ${MAX_ALLOWED_CHANNELS} channels can be allowed.`);
      }
      await this.#setOrDelete(keys.allowedChannels(guildId), [...channels, channelId]);
      return true;
    });
  }

  /** Takes a channel off the list; false when it was not listed. */
  async removeChannel(guildId: string, channelId: string): Promise<boolean> {
    return this.#editLock.run(keys.allowedChannels(guildId), async () => {
      const channels = await this.#stringList(keys.allowedChannels(guildId), true);
      if (!channels.includes(channelId)) return false;
      const remaining = channels.filter((id) => id !== channelId);
      await this.#setOrDelete(keys.allowedChannels(guildId), remaining.length > 0 ? remaining : undefined);
      return true;
    });
  }

  /** Daily limits given to roles: role id → images per day. */
  async roleLimits(guildId: string): Promise<Record<string, number>> {
    const map = await this.#memberMap(keys.roleLimits(guildId));
    return Object.fromEntries(Object.entries(map).flatMap(([roleId, limit]) => (asLimit(limit) === undefined ? [] : [[roleId, limit as number]])));
  }

  async setRoleLimit(guildId: string, roleId: string, limit: number | undefined): Promise<void> {
    await this.#updateMemberMap(keys.roleLimits(guildId), roleId, this.#memberLimit(limit));
  }

  async setPaused(guildId: string, paused: boolean): Promise<void> {
    await this.#setOrDelete(keys.paused(guildId), paused ? true : undefined);
  }

  async defaultLimit(guildId: string): Promise<number | undefined> {
    return asLimit(await this.#read(keys.defaultLimit(guildId)));
  }

  async setDefaultLimit(guildId: string, limit: number | undefined): Promise<void> {
    await this.#setOrDelete(keys.defaultLimit(guildId), this.#memberLimit(limit));
  }

  /** The server-wide daily cap on images (all members together); undefined = no cap. */
  async dailyCap(guildId: string): Promise<number | undefined> {
    const cap = asLimit(await this.#read(keys.dailyCap(guildId)));
    return cap === 0 ? undefined : cap;
  }

  /** 0 or undefined removes the cap. */
  async setDailyCap(guildId: string, cap: number | undefined): Promise<void> {
    const checked = checkedLimit(cap);
    await this.#setOrDelete(keys.dailyCap(guildId), checked === 0 ? undefined : checked);
  }

  async userLimit(guildId: string, userId: string): Promise<number | undefined> {
    return asLimit((await this.#memberMap(keys.userLimits(guildId)))[userId]);
  }

  async setUserLimit(guildId: string, userId: string, limit: number | undefined): Promise<void> {
    await this.#updateMemberMap(keys.userLimits(guildId), userId, this.#memberLimit(limit));
  }

  async isBlocked(guildId: string, userId: string): Promise<boolean> {
    return (await this.#memberMap(keys.blocked(guildId)))[userId] === true;
  }

  async setBlocked(guildId: string, userId: string, blocked: boolean): Promise<void> {
    await this.#updateMemberMap(keys.blocked(guildId), userId, blocked ? true : undefined);
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
    return this.#editLock.run(keys.bannedWords(guildId), async () => {
      const words = await this.#bannedWords(guildId, true);
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
    return this.#editLock.run(keys.bannedWords(guildId), async () => {
      const words = await this.#bannedWords(guildId, true);
      const listed = words.find((existing) => normalizeForMatching(existing) === matchKey);
      if (listed === undefined) return { removed: false, word: cleaned, words };
      const remaining = words.filter((existing) => normalizeForMatching(existing) !== matchKey);
      await this.#setOrDelete(keys.bannedWords(guildId), remaining.length > 0 ? remaining : undefined);
      return { removed: true, word: listed, words: remaining };
    });
  }

  /**
   * Per-member facts of a guild (blocked members, member limits) live in one map per guild, so that an
   * /imagine reads them with one cached query per guild instead of queries per member. Edits are a
   * read-modify-write under the guild's lock; a guild's commands all reach one process (its shard).
   */
  async #memberMap(key: string): Promise<Record<string, unknown>> {
    const stored = await this.#read(key);
    return typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
  }

  async #updateMemberMap(key: string, userId: string, value: unknown): Promise<void> {
    await this.#editLock.run(key, async () => {
      const stored = await this.#kv.get<unknown>(key);
      const current = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
      const { [userId]: _previous, ...others } = current;
      const updated = value === undefined ? others : { ...others, [userId]: value };
      await this.#setOrDelete(key, Object.keys(updated).length > 0 ? updated : undefined);
    });
  }

  /** `fresh` for read-modify-write under the edit lock: a cached list could drop another edit. */
  async #bannedWords(guildId: string, fresh = false): Promise<string[]> {
    return this.#stringList(keys.bannedWords(guildId), fresh);
  }

  /** A stored list of strings (anything else in it is ignored); `fresh` skips the cache. */
  async #stringList(key: string, fresh = false): Promise<string[]> {
    const stored = fresh ? await this.#kv.get<unknown>(key) : await this.#read(key);
    return Array.isArray(stored) ? stored.filter((item): item is string => typeof item === 'string') : [];
  }

  async #setOrDelete(key: string, value: unknown): Promise<void> {
    this.#cache.delete(key);
    if (value === undefined) await this.#kv.delete(key);
    // Keyv reports a failed write as `false` unless it was built with throwOnErrors.
    else if (!(await this.#kv.set(key, value))) throw new Error(`settings: could not save ${key}`);
    this.#cache.set(key, { value: Promise.resolve(value), expiresAt: this.#now() + this.#cacheTtlMs });
  }
}

const keys = {
  paused: (guildId: string) => `guild:${guildId}:paused`,
  defaultLimit: (guildId: string) => `guild:${guildId}:default-limit`,
  dailyCap: (guildId: string) => `guild:${guildId}:daily-cap`,
  bannedWords: (guildId: string) => `guild:${guildId}:banned-words`,
  userLimits: (guildId: string) => `guild:${guildId}:user-limits`,
  blocked: (guildId: string) => `guild:${guildId}:blocked`,
  logChannel: (guildId: string) => `guild:${guildId}:log-channel`,
  allowedChannels: (guildId: string) => `guild:${guildId}:allowed-channels`,
  roleLimits: (guildId: string) => `guild:${guildId}:role-limits`,
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
