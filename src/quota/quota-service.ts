import { systemClock, type Clock } from '../clock.js';
import type { LimitRuleView } from '../messages.js';
import { PERSONAL_GUILD_ID } from './personal.js';
import { allowanceOf, type Allowance, type GuildPolicy } from '../policy/guild-policy.js';
import type { GuildSettingsStore } from '../policy/settings-store.js';
import { QUOTA_RETENTION_DAYS, byUsageDescending, type QuotaCounter, type QuotaScope, type RefusingLimit } from './counter.js';
import { lastDays, nextUtcMidnight, utcDay } from './day.js';

/** Which rule gave a member their daily limit, most specific first. */
export type LimitRule = LimitRuleView;

export type { Allowance };

export interface QuotaStatus {
  used: number;
  limit: number;
  remaining: number;
  /** Next UTC midnight, ms since the epoch. */
  resetsAt: number;
  rule: LimitRule;
  /** The server-wide daily cap and the guild's total today, when the server has a cap (set by reserve). */
  guildCap?: number;
  guildUsed?: number;
}

export interface Reservation {
  /** The day is fixed at reservation time, so a refund after midnight goes back to the right day. */
  scope: QuotaScope;
  granted: boolean;
  /** Which limit refused, when not granted: the member's own, the server's daily cap or the operator's daily budget. */
  refusedBy?: RefusingLimit;
  /** When not granted: how many units all the limits would still have given (fewer than asked). */
  available?: number;
  status: QuotaStatus;
}

export interface GuildUsage {
  days: { day: string; total: number }[];
  topToday: { userId: string; used: number }[];
  topWeek: { userId: string; used: number }[];
}

export interface QuotaServiceOptions {
  counter: QuotaCounter;
  settings: Pick<GuildSettingsStore, 'policy'>;
  /** The bot-wide daily limit (QUOTA_DAILY) used when neither the member nor the guild has one. */
  defaultDaily: number;
  /** The operator's MAX_MEMBER_DAILY: no limit gives a member more than this; undefined = no ceiling. */
  maxMemberDaily?: number | undefined;
  /** The operator's DAILY_IMAGE_BUDGET (all servers together), reserved with every unit; undefined = none. */
  dailyBudget?: number | undefined;
  /** PERSONAL_DAILY: a member's images a day through their own install (see quota/personal.ts); 0 = off. */
  personalDaily?: number;
  clock?: Clock;
}

const DEFAULT_HISTORY_DAYS = 7;
/** Older days are pruned by the counters. */
const MAX_HISTORY_DAYS = QUOTA_RETENTION_DAYS;

/** Daily image quotas per guild member: which limit applies, reserving and refunding units, usage views. */
export class QuotaService {
  readonly #counter: QuotaCounter;
  readonly #settings: QuotaServiceOptions['settings'];
  readonly #defaultDaily: number;
  readonly #ceiling: number | undefined;
  readonly #dailyBudget: number | undefined;
  readonly #personalDaily: number;
  readonly #clock: Clock;

  constructor(options: QuotaServiceOptions) {
    this.#counter = options.counter;
    this.#settings = options.settings;
    this.#defaultDaily = options.defaultDaily;
    this.#ceiling = options.maxMemberDaily;
    this.#dailyBudget = options.dailyBudget;
    this.#personalDaily = options.personalDaily ?? 0;
    this.#clock = options.clock ?? systemClock;
  }

  /** The member's daily limit and the rule it comes from (see allowanceOf, where that is decided). */
  async allowanceFor(guildId: string, userId: string, roleIds: readonly string[] = []): Promise<Allowance> {
    return this.#allowance(await this.#settings.policy(guildId), userId, roleIds);
  }

  #allowance(policy: GuildPolicy, userId: string, roleIds: readonly string[]): Allowance {
    return allowanceOf(policy, { defaultDaily: this.#defaultDaily, maxMemberDaily: this.#ceiling }, userId, roleIds);
  }

  /** Takes one unit of today's quota if the member has one left and the server's daily cap is not reached. */
  async reserve(guildId: string, userId: string, roleIds: readonly string[] = []): Promise<Reservation> {
    return this.reserveUnder(await this.#settings.policy(guildId), guildId, userId, roleIds);
  }

  /**
   * `reserve` under a policy already read: the limit, cap and budget are decided in memory and the units
   * (all of them or none) are taken in one atomic store operation, the only thing awaited.
   */
  async reserveUnder(policy: GuildPolicy, guildId: string, userId: string, roleIds: readonly string[] = [], units = 1): Promise<Reservation> {
    const now = this.#clock.now();
    const scope: QuotaScope = { guildId, userId, day: utcDay(now) };
    const allowance = this.#allowance(policy, userId, roleIds);
    const guildCap = policy.dailyCap;
    const { granted, used, guildUsed, refusedBy, available } = await this.#counter.reserve(scope, allowance.limit, guildCap, this.#dailyBudget, units);
    const status = toStatus(used, allowance, now);
    const withCap = guildCap === undefined ? status : { ...status, guildCap, guildUsed };
    return { scope, granted, ...refusal(refusedBy, available), status: withCap };
  }

  /**
   * Takes `units` of the member's personal allowance and of the operator's budget (all or none), in one
   * atomic operation; never a server's.
   */
  async reservePersonal(userId: string, units = 1): Promise<Reservation> {
    const now = this.#clock.now();
    const scope: QuotaScope = { guildId: PERSONAL_GUILD_ID, userId, day: utcDay(now) };
    const allowance: Allowance = { limit: this.#personalDaily, rule: { kind: 'default' } };
    const { granted, used, refusedBy, available } = await this.#counter.reserve(scope, allowance.limit, undefined, this.#dailyBudget, units);
    return { scope, granted, ...refusal(refusedBy, available), status: toStatus(used, allowance, now) };
  }

  /** The member's personal allowance today. */
  async personalStatus(userId: string): Promise<QuotaStatus> {
    const now = this.#clock.now();
    const used = await this.#counter.used({ guildId: PERSONAL_GUILD_ID, userId, day: utcDay(now) });
    return toStatus(used, { limit: this.#personalDaily, rule: { kind: 'default' } }, now);
  }

  /**
   * Gives a granted unit back to the day it was taken from (a bare scope, e.g. from a job ledger,
   * counts as granted). Calling it twice refunds twice: idempotency is the caller's job.
   */
  async refund(reservation: Reservation | QuotaScope): Promise<void> {
    if ('scope' in reservation) {
      if (reservation.granted) await this.#counter.release(reservation.scope);
      return;
    }
    await this.#counter.release(reservation);
  }

  async status(guildId: string, userId: string, roleIds: readonly string[] = []): Promise<QuotaStatus> {
    const now = this.#clock.now();
    const [used, allowance] = await Promise.all([
      this.#counter.used({ guildId, userId, day: utcDay(now) }),
      this.allowanceFor(guildId, userId, roleIds),
    ]);
    return toStatus(used, allowance, now);
  }

  /** Sets the member's usage for today back to 0. */
  async reset(guildId: string, userId: string): Promise<void> {
    await this.#counter.reset({ guildId, userId, day: utcDay(this.#clock.now()) });
  }

  /** The member's usage per day, today first. */
  async usage(guildId: string, userId: string, days = DEFAULT_HISTORY_DAYS): Promise<{ day: string; used: number }[]> {
    const dayList = lastDays(this.#clock.now(), clampDays(days));
    const counts = await this.#counter.usedOnDays(guildId, userId, dayList);
    return dayList.map((day, index) => ({ day, used: counts[index] ?? 0 }));
  }

  /** Guild totals per day (today first) and the members using the most today and over the whole period. */
  async guildUsage(guildId: string, days = DEFAULT_HISTORY_DAYS): Promise<GuildUsage> {
    const dayList = lastDays(this.#clock.now(), clampDays(days));
    const perDay = await Promise.all(dayList.map((day) => this.#counter.guildDay(guildId, day)));
    const week = new Map<string, number>();
    for (const members of perDay) {
      for (const { userId, used } of members) week.set(userId, (week.get(userId) ?? 0) + used);
    }
    return {
      days: dayList.map((day, index) => ({ day, total: sum((perDay[index] ?? []).map((member) => member.used)) })),
      topToday: perDay[0] ?? [],
      topWeek: [...week].map(([userId, used]) => ({ userId, used })).sort(byUsageDescending),
    };
  }
}

function toStatus(used: number, { limit, rule }: Allowance, now: number): QuotaStatus {
  return { used, limit, remaining: Math.max(0, limit - used), resetsAt: nextUtcMidnight(now), rule };
}

function clampDays(days: number): number {
  return Number.isFinite(days) ? Math.min(MAX_HISTORY_DAYS, Math.max(1, Math.trunc(days))) : DEFAULT_HISTORY_DAYS;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** A refused reservation's fields: which limit refused and how many units were still left. */
function refusal(refusedBy: RefusingLimit | undefined, available: number | undefined): Pick<Reservation, 'refusedBy' | 'available'> {
  return { ...(refusedBy === undefined ? {} : { refusedBy }), ...(available === undefined ? {} : { available }) };
}
