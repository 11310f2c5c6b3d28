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
  /** Which limit refused, when not granted; 'member' when both would have. */
  refusedBy?: 'member' | 'guild';
}

/** Per-member daily counters whose updates are atomic in the backing store, even across processes. */
export interface QuotaCounter {
  /**
   * If used < limit and the guild's total that day < guildCap, then used += 1 (granted), as one atomic
   * step: both checks and the increment, or nothing. A guildCap of 0 or undefined means no server cap.
   */
  reserve(scope: QuotaScope, limit: number, guildCap?: number): Promise<QuotaReserveResult>;
  /** Gives one unit back, never going below 0; returns the new usage. */
  release(scope: QuotaScope): Promise<number>;
  /** Sets usage back to 0. */
  reset(scope: QuotaScope): Promise<void>;
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

/** Undefined (no server cap) for 0 or undefined; else the cap, checked like a limit. */
export function effectiveGuildCap(guildCap: number | undefined): number | undefined {
  if (guildCap === undefined || guildCap === 0) return undefined;
  assertLimit(guildCap);
  return guildCap;
}

/** Which limit refused a reservation, from the usage read after it: the member's own limit wins. */
export function refusingLimit(used: number, limit: number, guildCap: number | undefined): 'member' | 'guild' {
  return used >= limit || guildCap === undefined ? 'member' : 'guild';
}
