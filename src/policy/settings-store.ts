import { systemClock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import type { Keyv } from 'keyv';
import { MAX_DAILY_LIMIT, policyFrom, record, stringList, type GuildPolicy, type StoredSettings } from './guild-policy.js';
import { storedMemberDefaults, type MemberDefaults } from './member-defaults.js';
import { PolicyCache } from './policy-cache.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { cleanBannedWord, normalizeForMatching } from '../moderation/words.js';
import { cleanStyleName, MAX_STYLE_NAME_LENGTH, MAX_STYLE_TEXT_LENGTH, MAX_STYLES, storedStyles, styleKey, type GuildStyle } from './styles.js';
import type { SettingsErrorCode } from '../errors.js';

export interface GuildSettings {
  paused: boolean;
  defaultLimit: number | undefined;
  bannedWords: string[];
  /** Where /imagine may be used; empty = everywhere. */
  allowedChannels: string[];
}

export const MAX_BANNED_WORDS = 200;
export const MAX_BANNED_WORD_LENGTH = 64;
export { MAX_DAILY_LIMIT };
/** Discord lists at most 25 channels in a message comfortably; more would be no rule at all. */
export const MAX_ALLOWED_CHANNELS = 25;

/** A rejected admin change: its code and the bound it broke (rendered for the admin by `messages`). */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    readonly code: SettingsErrorCode,
    readonly bound: number,
  ) {
    super(`rejected setting: ${code} (bound ${bound})`);
  }
}

/**
 * Per-server settings in Keyv, a few keys per server (paused, limits, banned words, blocked members, …).
 * Admission reads them as one GuildPolicy: one `getMany` of every key per load, cached per server with
 * single flight (any number of simultaneous misses make one store read), dropped by every change made
 * through this store and, with `watchIntervalMs` (Redis, several processes), by a change of the server's
 * version key that another process's store wrote. The lists and maps are read-modify-write: updates are
 * serialised per key within this process, and a guild's commands all reach the one process that runs its
 * shard; only two unsharded bot processes editing the same guild's list at the same instant could lose one
 * of the edits.
 */
export class GuildSettingsStore {
  readonly #kv: Keyv;
  readonly #editLock = new KeyedMutex();
  readonly #policies: PolicyCache<GuildPolicy>;
  /** The operator's MAX_MEMBER_DAILY: the highest member, role or server limit an admin may set. */
  readonly #memberCeiling: number | undefined;

  constructor(
    kv: Keyv,
    options: {
      cacheTtlMs?: number;
      now?: () => number;
      maxMemberDaily?: number | undefined;
      /** Other bot processes write to the same store (Redis): watch for their changes every POLICY_WATCH_INTERVAL_MS. */
      sharedWithOtherProcesses?: boolean;
      watchIntervalMs?: number | undefined;
      onError?: (error: unknown) => void;
    } = {},
  ) {
    this.#kv = kv;
    this.#memberCeiling = options.maxMemberDaily;
    this.#policies = new PolicyCache<GuildPolicy>({
      load: (guildId) => this.#loadPolicy(guildId),
      versions: async (guildIds) => this.#kv.getMany<unknown>(guildIds.map((guildId) => keys.version(guildId))),
      ttlMs: options.cacheTtlMs ?? DEFAULT_POLICY_TTL_MS,
      watchIntervalMs: options.watchIntervalMs ?? (options.sharedWithOtherProcesses ? POLICY_WATCH_INTERVAL_MS : undefined),
      now: options.now ?? systemClock.now,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** The server's policy: from the cache, or one store read shared by every caller that missed at once. */
  policy(guildId: string): Promise<GuildPolicy> {
    return this.#policies.get(guildId);
  }

  /** The cached policy without waiting, when there is one. */
  cachedPolicy(guildId: string): GuildPolicy | undefined {
    return this.#policies.peek(guildId);
  }

  /** Forgets the server's cached policy (after a change written around this store). */
  invalidate(guildId: string): void {
    this.#policies.invalidate(guildId);
  }

  close(): void {
    this.#policies.close();
  }

  async #loadPolicy(guildId: string): Promise<{ value: GuildPolicy; version: unknown }> {
    const names = POLICY_KEYS.map((name) => keys[name](guildId));
    const [version, ...values] = await this.#kv.getMany<unknown>([keys.version(guildId), ...names]);
    const stored = Object.fromEntries(POLICY_KEYS.map((name, index) => [name, values[index]])) as unknown as StoredSettings;
    return { value: policyFrom(stored), version };
  }

  async get(guildId: string): Promise<GuildSettings> {
    const policy = await this.policy(guildId);
    return { paused: policy.paused, defaultLimit: policy.serverLimit, bannedWords: [...policy.bannedWords], allowedChannels: [...policy.allowedChannels] };
  }

  /** The moderation log channel, if an admin set one. */
  async logChannel(guildId: string): Promise<string | undefined> {
    return (await this.policy(guildId)).logChannel;
  }

  async setLogChannel(guildId: string, channelId: string | undefined): Promise<void> {
    await this.#setOrDelete(guildId, keys.logChannel(guildId), channelId);
  }

  async allowedChannels(guildId: string): Promise<string[]> {
    return [...(await this.policy(guildId)).allowedChannels];
  }

  /** Adds a channel to the list /imagine is limited to; false when it was listed already. */
  async allowChannel(guildId: string, channelId: string): Promise<boolean> {
    return this.#editLock.run(keys.allowedChannels(guildId), async () => {
      const channels = await this.#freshStringList(keys.allowedChannels(guildId));
      if (channels.includes(channelId)) return false;
      if (channels.length >= MAX_ALLOWED_CHANNELS) {
        throw new SettingsError('too-many-channels', MAX_ALLOWED_CHANNELS);
      }
      await this.#setOrDelete(guildId, keys.allowedChannels(guildId), [...channels, channelId]);
      return true;
    });
  }

  /** Takes a channel off the list; false when it was not listed. */
  async removeChannel(guildId: string, channelId: string): Promise<boolean> {
    return this.#editLock.run(keys.allowedChannels(guildId), async () => {
      const channels = await this.#freshStringList(keys.allowedChannels(guildId));
      if (!channels.includes(channelId)) return false;
      const remaining = channels.filter((id) => id !== channelId);
      await this.#setOrDelete(guildId, keys.allowedChannels(guildId), remaining.length > 0 ? remaining : undefined);
      return true;
    });
  }

  /** Daily limits given to roles: role id → images per day. */
  async roleLimits(guildId: string): Promise<Record<string, number>> {
    return { ...(await this.policy(guildId)).roleLimits };
  }

  async setRoleLimit(guildId: string, roleId: string, limit: number | undefined): Promise<void> {
    await this.#updateMemberMap(guildId, keys.roleLimits(guildId), roleId, this.#memberLimit(limit));
  }

  async setPaused(guildId: string, paused: boolean): Promise<void> {
    await this.#setOrDelete(guildId, keys.paused(guildId), paused ? true : undefined);
  }

  async defaultLimit(guildId: string): Promise<number | undefined> {
    return (await this.policy(guildId)).serverLimit;
  }

  async setDefaultLimit(guildId: string, limit: number | undefined): Promise<void> {
    await this.#setOrDelete(guildId, keys.serverLimit(guildId), this.#memberLimit(limit));
  }

  /** The server-wide daily cap on images (all members together); undefined = no cap. */
  async dailyCap(guildId: string): Promise<number | undefined> {
    return (await this.policy(guildId)).dailyCap;
  }

  /** 0 or undefined removes the cap. */
  async setDailyCap(guildId: string, cap: number | undefined): Promise<void> {
    const checked = checkedLimit(cap);
    await this.#setOrDelete(guildId, keys.dailyCap(guildId), checked === 0 ? undefined : checked);
  }

  async userLimit(guildId: string, userId: string): Promise<number | undefined> {
    return (await this.policy(guildId)).memberLimits[userId];
  }

  async setUserLimit(guildId: string, userId: string, limit: number | undefined): Promise<void> {
    await this.#updateMemberMap(guildId, keys.memberLimits(guildId), userId, this.#memberLimit(limit));
  }

  async isBlocked(guildId: string, userId: string): Promise<boolean> {
    return (await this.policy(guildId)).blocked.has(userId);
  }

  async setBlocked(guildId: string, userId: string, blocked: boolean): Promise<void> {
    await this.#updateMemberMap(guildId, keys.blocked(guildId), userId, blocked ? true : undefined);
  }

  /** A member, role or server limit an admin may set: checked against the bounds and the operator's ceiling. */
  #memberLimit(limit: number | undefined): number | undefined {
    const checked = checkedLimit(limit);
    if (checked !== undefined && this.#memberCeiling !== undefined && checked > this.#memberCeiling) {
      throw new SettingsError('over-ceiling', this.#memberCeiling);
    }
    return checked;
  }

  /**
   * Adds a word or phrase unless an equivalent one (same normalised form) is already listed.
   * `word` is the form that is stored (or the equivalent one already listed).
   */
  async addBannedWord(guildId: string, word: string): Promise<{ added: boolean; word: string; words: string[] }> {
    const cleaned = cleanBannedWord(word);
    const matchKey = normalizeForMatching(cleaned);
    if (matchKey === '') throw new SettingsError('word-empty', 0);
    if ([...cleaned].length > MAX_BANNED_WORD_LENGTH) {
      throw new SettingsError('word-too-long', MAX_BANNED_WORD_LENGTH);
    }
    return this.#editLock.run(keys.bannedWords(guildId), async () => {
      const words = await this.#freshStringList(keys.bannedWords(guildId));
      const existing = words.find((listed) => normalizeForMatching(listed) === matchKey);
      if (existing !== undefined) return { added: false, word: existing, words };
      if (words.length >= MAX_BANNED_WORDS) {
        throw new SettingsError('too-many-words', MAX_BANNED_WORDS);
      }
      const updated = [...words, cleaned];
      await this.#setOrDelete(guildId, keys.bannedWords(guildId), updated);
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
      const words = await this.#freshStringList(keys.bannedWords(guildId));
      const listed = words.find((existing) => normalizeForMatching(existing) === matchKey);
      if (listed === undefined) return { removed: false, word: cleaned, words };
      const remaining = words.filter((existing) => normalizeForMatching(existing) !== matchKey);
      await this.#setOrDelete(guildId, keys.bannedWords(guildId), remaining.length > 0 ? remaining : undefined);
      return { removed: true, word: listed, words: remaining };
    });
  }

  /**
   * Adds a named style, or replaces the text of the one with that name (names compare without regard to case).
   * `style` is the style as stored; `styles` the server's styles after the change.
   */
  async addStyle(guildId: string, name: string, text: string): Promise<{ added: boolean; style: GuildStyle; styles: GuildStyle[] }> {
    const style = { name: cleanStyleName(name), text: text.trim() };
    const nameLength = [...style.name].length;
    if (nameLength < 1 || nameLength > MAX_STYLE_NAME_LENGTH) throw new SettingsError('style-name-invalid', MAX_STYLE_NAME_LENGTH);
    if (style.text === '' || style.text.length > MAX_STYLE_TEXT_LENGTH) throw new SettingsError('style-text-invalid', MAX_STYLE_TEXT_LENGTH);
    return this.#editLock.run(keys.styles(guildId), async () => {
      const styles = storedStyles(await this.#kv.get<unknown>(keys.styles(guildId)));
      const index = styles.findIndex((listed) => styleKey(listed.name) === styleKey(style.name));
      if (index === -1 && styles.length >= MAX_STYLES) throw new SettingsError('too-many-styles', MAX_STYLES);
      const updated = index === -1 ? [...styles, style] : styles.map((listed, at) => (at === index ? style : listed));
      await this.#setOrDelete(guildId, keys.styles(guildId), updated);
      return { added: index === -1, style, styles: updated };
    });
  }

  /** Removes the style of that name; `name` is the listed form removed, or the cleaned input when none was listed. */
  async removeStyle(guildId: string, name: string): Promise<{ removed: boolean; name: string }> {
    return this.#editLock.run(keys.styles(guildId), async () => {
      const styles = storedStyles(await this.#kv.get<unknown>(keys.styles(guildId)));
      const listed = styles.find((style) => styleKey(style.name) === styleKey(name));
      if (listed === undefined) return { removed: false, name: cleanStyleName(name) };
      const remaining = styles.filter((style) => style !== listed);
      await this.#setOrDelete(guildId, keys.styles(guildId), remaining.length > 0 ? remaining : undefined);
      return { removed: true, name: listed.name };
    });
  }

  /** Replaces one member's /settings defaults with `change(current)`; undefined removes them. */
  async updateMemberDefaults(guildId: string, userId: string, change: (current: MemberDefaults) => MemberDefaults | undefined): Promise<void> {
    await this.#changeMemberEntry(guildId, keys.memberDefaults(guildId), userId, (current) => change(storedMemberDefaults({ [userId]: current })[userId] ?? {}));
  }

  /** A per-server map (blocked members, member or role limits, defaults) edited as a read-modify-write under its lock. */
  async #updateMemberMap(guildId: string, key: string, id: string, value: unknown): Promise<void> {
    await this.#changeMemberEntry(guildId, key, id, () => value);
  }

  /** Replaces one entry of a per-server map with `change(current)` (undefined removes it) under the map's lock. */
  async #changeMemberEntry(guildId: string, key: string, id: string, change: (current: unknown) => unknown): Promise<void> {
    await this.#editLock.run(key, async () => {
      const current = record(await this.#kv.get<unknown>(key));
      const { [id]: previous, ...others } = current;
      const next = change(previous);
      const updated = next === undefined ? others : { ...others, [id]: next };
      await this.#setOrDelete(guildId, key, Object.keys(updated).length > 0 ? updated : undefined);
    });
  }

  /** A stored list of strings read from the store itself, for a read-modify-write under the edit lock. */
  async #freshStringList(key: string): Promise<string[]> {
    return stringList(await this.#kv.get<unknown>(key));
  }

  /** Writes one setting, then the server's new version (other processes' caches watch it), and drops the cached policy. */
  async #setOrDelete(guildId: string, key: string, value: unknown): Promise<void> {
    this.#policies.invalidate(guildId);
    try {
      if (value === undefined) await this.#kv.delete(key);
      // Keyv reports a failed write as `false` unless it was built with throwOnErrors.
      else if (!(await this.#kv.set(key, value))) throw new Error(`settings: could not save ${key}`);
      await this.#kv.set(keys.version(guildId), randomUUID());
    } finally {
      this.#policies.invalidate(guildId);
    }
  }
}

/** How often a store shared with other processes checks their changes: each is seen within a second. */
export const POLICY_WATCH_INTERVAL_MS = 400;

/** How long a server's policy is kept without a change being seen (changes through the store drop it at once). */
export const DEFAULT_POLICY_TTL_MS = 60_000;

/** The settings a policy is built from, each under its own key. */
const POLICY_KEYS = ['paused', 'serverLimit', 'dailyCap', 'bannedWords', 'memberLimits', 'blocked', 'logChannel', 'allowedChannels', 'roleLimits', 'styles', 'memberDefaults'] as const satisfies readonly (keyof StoredSettings)[];

const keys = {
  /** Changes with every write through a store: other processes drop their cached policy when it does. */
  version: (guildId: string) => `guild:${guildId}:policy-version`,
  paused: (guildId: string) => `guild:${guildId}:paused`,
  serverLimit: (guildId: string) => `guild:${guildId}:default-limit`,
  dailyCap: (guildId: string) => `guild:${guildId}:daily-cap`,
  bannedWords: (guildId: string) => `guild:${guildId}:banned-words`,
  memberLimits: (guildId: string) => `guild:${guildId}:user-limits`,
  blocked: (guildId: string) => `guild:${guildId}:blocked`,
  logChannel: (guildId: string) => `guild:${guildId}:log-channel`,
  allowedChannels: (guildId: string) => `guild:${guildId}:allowed-channels`,
  roleLimits: (guildId: string) => `guild:${guildId}:role-limits`,
  styles: (guildId: string) => `guild:${guildId}:styles`,
  memberDefaults: (guildId: string) => `guild:${guildId}:member-defaults`,
};

function checkedLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_DAILY_LIMIT) {
    throw new SettingsError('invalid-limit', MAX_DAILY_LIMIT);
  }
  return limit;
}


