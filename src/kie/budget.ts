import { systemClock, systemSetTimer, type SetTimer } from '../clock.js';
import { compareClaims, RecentStarts, waitEstimator, type Claimant } from './fair-order.js';
import type { AcquireOptions } from './acquire-options.js';
import { WaitingLine, type LineOrder } from './waiting-line.js';


/** The longest a grant can stay in flight before its slot is dated anyway (a request times out well before). */
export const MAX_GRANT_HOLD_MS = 60_000;

/** Permission to send one HTTP request. */
export interface RequestBudget {
  acquire(options?: AcquireOptions): Promise<void>;
  /** How many of this process's callers wait for a grant (the jobs waiting for room in KIE's limit, a metric). */
  readonly queued: number;
  /** Told at start-up of a task started before (from the ledger), so the window and the fair order count it. */
  rememberStart?(claimant: Pick<Claimant, 'guildId' | 'userId'>, at: number): void;
}

export interface SlidingWindowBudgetOptions {
  limit: number;
  windowMs: number;
  /** Added to windowMs, so clock skew and network jitter cannot push us over KIE's limit. */
  safetyMarginMs?: number;
  now?: () => number;
  setTimer?: SetTimer;
  /** Serve waiters in the fair order (createTask) instead of first come, first served. */
  fair?: boolean;
}

/** KIE's published limits per account/key: 20 createTask per 10 s, 10 recordInfo per second. */
export const KIE_CREATE_LIMIT = { limit: 20, windowMs: 10_000 } as const;
export const KIE_POLL_LIMIT = { limit: 10, windowMs: 1_000 } as const;
export const DEFAULT_CREATE_MARGIN_MS = 500;
export const DEFAULT_POLL_MARGIN_MS = 100;


/**
 * At most `limit` grants in any window of `windowMs` (+ margin). Waiters are served first come, first served,
 * or, for a fair budget, in the fair order of their claimants.
 */
export class SlidingWindowBudget implements RequestBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly now: () => number;
  private readonly setTimer: SetTimer;
  /** Grants still inside the window (an in-flight grant is dated in the future); never more than limit. */
  private readonly grants: Array<{ at: number }> = [];
  private readonly starts: RecentStarts | undefined;
  private readonly line: WaitingLine;
  private cancelTimer: (() => void) | undefined;
  private pumping = false;
  private pumpAgain = false;

  constructor(options: SlidingWindowBudgetOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a whole number above 0');
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be above 0');
    const margin = options.safetyMarginMs ?? 0;
    if (!(margin >= 0)) throw new RangeError('safetyMarginMs must be 0 or more');
    this.limit = options.limit;
    this.windowMs = options.windowMs + margin;
    this.now = options.now ?? systemClock.now;
    this.setTimer = options.setTimer ?? systemSetTimer;
    const starts = options.fair ? new RecentStarts() : undefined;
    this.starts = starts;
    this.line = new WaitingLine(() => this.pump(), starts ? fairOrder(starts, this.now) : undefined);
  }

  /**
   * Counts a task started before this process (a job the ledger shows was submitted at `at`): it fills the
   * window if recent enough, and it counts against its member in the fair order.
   */
  rememberStart(claimant: Pick<Claimant, 'guildId' | 'userId'>, at: number): void {
    const now = this.now();
    if (now - at < this.windowMs && this.grants.length < this.limit) this.grants.push({ at });
    this.starts?.record(claimant, at);
  }

  /** How many callers are waiting. */
  get queued(): number {
    return this.line.length;
  }

  acquire(options: AcquireOptions = {}): Promise<void> {
    return this.line.join(options);
  }

  /** Progress callbacks may call acquire() re-entrantly; fold that into the running pass. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pumpOnce();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    const now = this.now();
    for (let i = this.grants.length - 1; i >= 0; i -= 1) if (now - this.grants[i]!.at >= this.windowMs) this.grants.splice(i, 1);
    while (this.line.length > 0 && this.grants.length < this.limit) {
      const holdUntil = this.line.first?.holdUntil;
      const grant = { at: holdUntil ? now + MAX_GRANT_HOLD_MS : now };
      this.grants.push(grant);
      if (holdUntil) {
        const settle = (): void => {
          grant.at = Math.min(grant.at, this.now());
          this.pump();
        };
        holdUntil.then(settle, settle);
      }
      const granted = this.line.grantNext();
      if (granted?.claimant) this.starts?.record(granted.claimant, now);
    }
    const grantTimes = this.grants.map((grant) => grant.at);
    this.line.reportPositions({ newcomers: true, eta: waitEstimator(grantTimes, this.limit, this.windowMs, now) });
    this.schedule(now);
  }

  private schedule(now: number): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.line.length === 0 || this.grants.length === 0) return;
    const oldest = Math.min(...this.grants.map((grant) => grant.at));
    this.cancelTimer = this.setTimer(
      () => {
        this.cancelTimer = undefined;
        this.pump();
      },
      Math.max(0, oldest + this.windowMs - now),
    );
  }
}

/** The fair order over `starts`, every comparison of one look at the line made at the moment of its stamp. */
function fairOrder(starts: RecentStarts, now: () => number): LineOrder {
  let at = now();
  return {
    stamp: () => starts.stamp((at = now())),
    compare: (a, b) => compareClaims(a, b, (claimant) => starts.counts(claimant, at)),
  };
}

export interface KieBudgets {
  create: RequestBudget;
  poll: RequestBudget;
}

/** The two budgets the bot shares across all jobs, at KIE's limits plus a safety margin. */
export function createKieBudgets(
  options: { createMarginMs?: number; pollMarginMs?: number; now?: () => number; setTimer?: SetTimer } & Omit<KieBudgetTuning, 'unlimited'> = {},
): KieBudgets {
  const clock = {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.setTimer === undefined ? {} : { setTimer: options.setTimer }),
  };
  return {
    create: new SlidingWindowBudget({
      ...(options.createLimit ?? KIE_CREATE_LIMIT),
      safetyMarginMs: options.createMarginMs ?? DEFAULT_CREATE_MARGIN_MS,
      fair: options.order !== 'arrival',
      ...clock,
    }),
    poll: new SlidingWindowBudget({ ...KIE_POLL_LIMIT, safetyMarginMs: options.pollMarginMs ?? DEFAULT_POLL_MARGIN_MS, ...clock }),
  };
}

/**
 * KIE's limits for one of `processes` bot processes that cannot share a window (no Redis): each takes an
 * equal part, so together they still stay within them.
 */
export function shareOfKieBudgets(processes: number): KieBudgets {
  if (processes <= 1) return createKieBudgets();
  const share = (limit: number) => Math.max(1, Math.floor(limit / processes));
  return {
    create: new SlidingWindowBudget({ ...KIE_CREATE_LIMIT, limit: share(KIE_CREATE_LIMIT.limit), safetyMarginMs: DEFAULT_CREATE_MARGIN_MS, fair: true }),
    poll: new SlidingWindowBudget({ ...KIE_POLL_LIMIT, limit: share(KIE_POLL_LIMIT.limit), safetyMarginMs: DEFAULT_POLL_MARGIN_MS }),
  };
}

/** Choices of the budgets for benchmarks and tests; production sets none. */
export interface KieBudgetTuning {
  /** A narrower createTask window than KIE's (tests that hold jobs in the waiting line). */
  createLimit?: { limit: number; windowMs: number };
  /** 'arrival': createTask slots first come, first served within this process, instead of the fair order. */
  order?: 'fair' | 'arrival';
  /** No budget at all: every request leaves at once, however close to KIE's limits. */
  unlimited?: boolean;
}

const unlimitedBudget: RequestBudget = { acquire: async () => {}, queued: 0 };

/** The budgets `tuning` asks for, or else the configured ones (shared through the store, or this process's part). */
export function tunedKieBudgets(tuning: KieBudgetTuning | undefined, configured: () => KieBudgets): KieBudgets {
  if (tuning?.unlimited) return { create: unlimitedBudget, poll: unlimitedBudget };
  if (tuning?.order !== undefined || tuning?.createLimit !== undefined) {
    const { order, createLimit } = tuning;
    // A test's narrow window is exact: the margin is for KIE's real limits.
    return createKieBudgets({ ...(order ? { order } : {}), ...(createLimit ? { createLimit, createMarginMs: 0 } : {}) });
  }
  return configured();
}
