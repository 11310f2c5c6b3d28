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
}

/** Per-member daily counters whose updates are atomic in the backing store, even across processes. */
export interface QuotaCounter {
  /** If used < limit then used += 1 (granted), as one atomic step. */
  reserve(scope: QuotaScope, limit: number): Promise<QuotaReserveResult>;
  /** Gives one unit back, never going below 0; returns the new usage. */
  release(scope: QuotaScope): Promise<number>;
  /** Sets usage back to 0. */
  reset(scope: QuotaScope): Promise<void>;
  used(scope: QuotaScope): Promise<number>;
  /** Usage on each of `days`, in the same order. */
  usedOnDays(guildId: string, userId: string, days: readonly string[]): Promise<number[]>;
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
