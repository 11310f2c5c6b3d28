/** One member's usage bucket: a guild, a user and a UTC day. */
export interface QuotaScope {
  guildId: string;
  userId: string;
  /** 'YYYY-MM-DD', UTC. */
  day: string;
}

export interface QuotaReserveResult {
  granted: boolean;
  /** Usage after the call: incremented when granted, the current value when refused. */
  used: number;
  /** The guild's total for the day (all members) after the call. */
  guildUsed: number;
  /** Which limit refused, when not granted; the member's own first, then the server's cap, then the bot's budget. */
  refusedBy?: RefusingLimit;
  /** When not granted: how many units all three limits would still have given (fewer than asked). */
  available?: number;
}

/** The member's daily limit, the server's daily cap, or the operator's daily budget (all servers together). */
export type RefusingLimit = 'member' | 'guild' | 'budget';

/** Per-member daily counters whose updates are atomic in the backing store, even across processes. */
export interface QuotaCounter {
  /**
   * If used + units ≤ limit, the guild's total that day + units ≤ guildCap and the bot's total that day
   * (every guild) + units ≤ dailyBudget, then used += units and both totals with it (granted), as one
   * atomic step: every check and every increment, or nothing (all units or none). A guildCap or
   * dailyBudget of 0 or undefined means no such limit. `units` defaults to 1.
   */
  reserve(scope: QuotaScope, limit: number, guildCap?: number, dailyBudget?: number, units?: number): Promise<QuotaReserveResult>;
  /** Gives one unit back (to the member, the guild and the bot's day), never going below 0; returns the new usage. */
  release(scope: QuotaScope): Promise<number>;
  /**
   * Sets the member's usage back to 0. The bot's daily total keeps the units: an admin's reset gives a
   * member more images, never the server more of the operator's budget.
   */
  reset(scope: QuotaScope): Promise<void>;
  /** The bot's total that day over every guild, as the daily budget counts it. */
  budgetUsed(day: string): Promise<number>;
  used(scope: QuotaScope): Promise<number>;
  /** Usage on each of `days`, in the same order. */
  usedOnDays(guildId: string, userId: string, days: readonly string[]): Promise<number[]>;
  /** The guild's total usage on that day, summed over its members. */
  guildUsed(guildId: string, day: string): Promise<number>;
  /** Every member with usage on that day, most first (ties by user id). */
  guildDay(guildId: string, day: string): Promise<{ userId: string; used: number }[]>;
}

/** How many whole days of counters the stores keep; the usage views look back 7 days. */
export const QUOTA_RETENTION_DAYS = 9;

export function byUsageDescending(a: { userId: string; used: number }, b: { userId: string; used: number }): number {
  return b.used - a.used || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/** A limit the counters accept: a whole number ≥ 0 (anything else is a programming error). */
export function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`quota limit must be a whole number ≥ 0, got ${limit}`);
}

/** Undefined (no such limit) for 0 or undefined; else the cap or budget, checked like a limit. */
export function effectiveGuildCap(guildCap: number | undefined): number | undefined {
  if (guildCap === undefined || guildCap === 0) return undefined;
  assertLimit(guildCap);
  return guildCap;
}

export interface UsageAfterRefusal {
  used: number;
  limit: number;
  guildUsed: number;
  guildCap: number | undefined;
  budgetUsed: number;
  dailyBudget: number | undefined;
}

/**
 * Which limit refused a reservation, from the usage read after it: the member's own limit wins, then the
 * server's cap, then the bot's budget. (Under concurrency a total may have dropped again since; then the
 * narrowest limit that was set is named.)
 */
export function refusingLimit(usage: UsageAfterRefusal, units = 1): RefusingLimit {
  if (usage.used + units > usage.limit) return 'member';
  if (usage.guildCap !== undefined && usage.guildUsed + units > usage.guildCap) return 'guild';
  if (usage.dailyBudget !== undefined && usage.budgetUsed + units > usage.dailyBudget) return 'budget';
  if (usage.guildCap !== undefined) return 'guild';
  return usage.dailyBudget !== undefined ? 'budget' : 'member';
}

/** How many units every limit would still give, from the usage read after a refusal. */
export function availableUnits(usage: UsageAfterRefusal): number {
  const left = [usage.limit - usage.used];
  if (usage.guildCap !== undefined) left.push(usage.guildCap - usage.guildUsed);
  if (usage.dailyBudget !== undefined) left.push(usage.dailyBudget - usage.budgetUsed);
  return Math.max(0, Math.min(...left));
}

/** Units asked for at once: a whole number from 1 (anything else is a programming error). */
export function assertUnits(units: number): void {
  if (!Number.isSafeInteger(units) || units < 1) throw new RangeError(`quota units must be a whole number ≥ 1, got ${units}`);
}
