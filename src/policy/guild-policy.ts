import type { LimitRuleView } from '../messages.js';
import { compileBannedWords, type BannedWordMatcher } from '../moderation/words.js';
import { storedMemberDefaults, type MemberDefaults } from './member-defaults.js';
import { storedStyles, type GuildStyle } from './styles.js';

/** The largest daily limit or cap anyone can set (admins, QUOTA_DAILY, MAX_MEMBER_DAILY): decided here only. */
export const MAX_DAILY_LIMIT = 100_000;

/**
 * Everything a server's admins decided, as admission reads it: read once per admission (from the
 * per-server cache), never key by key. Each fact here is decided in one place: "0 = none" for the cap when
 * the policy is built, the limit rule in `allowanceOf`.
 */
export interface GuildPolicy {
  paused: boolean;
  blocked: ReadonlySet<string>;
  /** Where /imagine may be used; empty = everywhere. */
  allowedChannels: readonly string[];
  bannedWords: readonly string[];
  /** `bannedWords`, compiled once per list change. */
  bannedWordMatcher: BannedWordMatcher;
  /** The server's limit per member; undefined = the bot's default (QUOTA_DAILY). */
  serverLimit: number | undefined;
  roleLimits: Readonly<Record<string, number>>;
  memberLimits: Readonly<Record<string, number>>;
  /** Images per day for the whole server; undefined = no cap (a stored 0 means none too). */
  dailyCap: number | undefined;
  logChannel: string | undefined;
  /** Named styles members may add to their prompts (/imagine style:), in the order they were added. */
  styles: readonly GuildStyle[];
  /** Each member's /settings defaults by user id (read with the rest, so /imagine awaits no second read). */
  memberDefaults: Readonly<Record<string, MemberDefaults>>;
}

/** The policy of a server whose admins set nothing. */
export const DEFAULT_GUILD_POLICY = Object.freeze({
  paused: false,
  blocked: new Set<string>(),
  allowedChannels: [],
  bannedWords: [],
  bannedWordMatcher: compileBannedWords([]),
  serverLimit: undefined,
  roleLimits: {},
  memberLimits: {},
  dailyCap: undefined,
  logChannel: undefined,
  styles: [],
  memberDefaults: {},
}) satisfies Required<GuildPolicy>;

/** The operator's facts every server's limits answer to (environment). */
export interface OperatorQuota {
  /** QUOTA_DAILY: the limit where neither the member, their roles nor the server has one. */
  defaultDaily: number;
  /** MAX_MEMBER_DAILY: no limit gives a member more; undefined = no ceiling. */
  maxMemberDaily: number | undefined;
  /** DAILY_IMAGE_BUDGET: all servers together; undefined = none. */
  dailyBudget: number | undefined;
}

export interface Allowance {
  limit: number;
  rule: LimitRuleView;
}

/**
 * A member's daily limit, decided here only: their own limit if an admin set one, else the highest limit
 * among their roles, else the server's, else the bot's default; never above the operator's ceiling (a limit
 * stored before the ceiling was set counts as the ceiling).
 */
export function allowanceOf(policy: GuildPolicy, operator: Pick<OperatorQuota, 'defaultDaily' | 'maxMemberDaily'>, userId: string, roleIds: readonly string[]): Allowance {
  const allowance = uncappedAllowance(policy, operator.defaultDaily, userId, roleIds);
  const ceiling = operator.maxMemberDaily;
  return ceiling !== undefined && allowance.limit > ceiling ? { ...allowance, limit: ceiling } : allowance;
}

function uncappedAllowance(policy: GuildPolicy, defaultDaily: number, userId: string, roleIds: readonly string[]): Allowance {
  const own = policy.memberLimits[userId];
  if (own !== undefined) return { limit: own, rule: { kind: 'member' } };
  let best: Allowance | undefined;
  for (const roleId of roleIds) {
    const limit = policy.roleLimits[roleId];
    if (limit !== undefined && (best === undefined || limit > best.limit)) best = { limit, rule: { kind: 'role', roleId } };
  }
  if (best) return best;
  if (policy.serverLimit !== undefined) return { limit: policy.serverLimit, rule: { kind: 'server' } };
  return { limit: defaultDaily, rule: { kind: 'default' } };
}

/** The stored values of one server's settings, as read in one go (anything malformed counts as unset). */
export interface StoredSettings {
  paused: unknown;
  blocked: unknown;
  allowedChannels: unknown;
  bannedWords: unknown;
  serverLimit: unknown;
  roleLimits: unknown;
  memberLimits: unknown;
  dailyCap: unknown;
  logChannel: unknown;
  styles: unknown;
  memberDefaults: unknown;
}

/** Builds the policy from what the store holds; the banned words are compiled here, once per load. */
export function policyFrom(stored: StoredSettings): GuildPolicy {
  const bannedWords = stringList(stored.bannedWords);
  const cap = asLimit(stored.dailyCap);
  return {
    paused: stored.paused === true,
    blocked: new Set(Object.entries(record(stored.blocked)).flatMap(([userId, blocked]) => (blocked === true ? [userId] : []))),
    allowedChannels: stringList(stored.allowedChannels),
    bannedWords,
    bannedWordMatcher: bannedWords.length === 0 ? DEFAULT_GUILD_POLICY.bannedWordMatcher : compileBannedWords(bannedWords),
    serverLimit: asLimit(stored.serverLimit),
    roleLimits: limitMap(stored.roleLimits),
    memberLimits: limitMap(stored.memberLimits),
    dailyCap: cap === 0 ? undefined : cap,
    logChannel: typeof stored.logChannel === 'string' ? stored.logChannel : undefined,
    styles: storedStyles(stored.styles),
    memberDefaults: storedMemberDefaults(record(stored.memberDefaults)),
  };
}

/** A whole number ≥ 0, or undefined for anything else. */
export function asLimit(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function limitMap(value: unknown): Record<string, number> {
  return Object.fromEntries(Object.entries(record(value)).flatMap(([id, limit]) => (asLimit(limit) === undefined ? [] : [[id, limit as number]])));
}
