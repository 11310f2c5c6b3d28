/**
 * Who a createTask slot is for. A waiting request that names its claimant is placed in the fair order;
 * one that does not (polls, credit checks) is served in arrival order after nothing but its own arrival.
 */
export interface Claimant {
  userId: string;
  guildId: string;
  /** When the job arrived (ms; the ledger keeps it, so a restarted job keeps its place). */
  arrivedAt: number;
  /** A member with one of the server's priority roles: before everyone else, fair among themselves. */
  priority?: boolean | undefined;
}

/** How far back "recently started" looks. */
export const FAIR_WINDOW_MS = 10 * 60_000;

/** Tasks started recently, per member and per server. */
export interface StartCounts {
  member: number;
  guild: number;
}

/** A waiter as the fair order sees it; `sequence` breaks the last ties (join order). */
export interface Ranked {
  claimant: Claimant | undefined;
  sequence: number;
}

/**
 * The fair order: priority members first; then the member who started the fewest tasks in the last ten
 * minutes; then the server that did; then whoever arrived first. Waiters without a claimant count as
 * arrivals with no history.
 */
export function compareClaims(a: Ranked, b: Ranked, counts: (claimant: Claimant) => StartCounts): number {
  const ca = a.claimant;
  const cb = b.claimant;
  if (ca && cb) {
    const priority = Number(cb.priority === true) - Number(ca.priority === true);
    if (priority !== 0) return priority;
    const sa = counts(ca);
    const sb = counts(cb);
    if (sa.member !== sb.member) return sa.member - sb.member;
    if (sa.guild !== sb.guild) return sa.guild - sb.guild;
    if (ca.arrivedAt !== cb.arrivedAt) return ca.arrivedAt - cb.arrivedAt;
  }
  return a.sequence - b.sequence;
}

/** Task starts of the last FAIR_WINDOW_MS in this process (the Redis line keeps its own in the store). */
export class RecentStarts {
  private readonly members = new Map<string, number[]>();
  private readonly guilds = new Map<string, number[]>();

  constructor(private readonly windowMs = FAIR_WINDOW_MS) {}

  /** Counts already worked out at `memoAt`: sorting a line of N asks for each claimant's about log N times. */
  private readonly memo = new Map<string, StartCounts>();
  private memoAt = Number.NaN;
  /** Bumped whenever a count may have changed: a start recorded, or one leaving the window (see stamp). */
  private version = 0;
  /** When the oldest start still counted leaves the window. */
  private nextExpiry = Number.POSITIVE_INFINITY;

  record(claimant: Pick<Claimant, 'guildId' | 'userId'>, at: number): void {
    push(this.members, memberKey(claimant), at);
    push(this.guilds, claimant.guildId, at);
    this.memo.clear();
    this.version += 1;
    this.nextExpiry = Math.min(this.nextExpiry, at + this.windowMs);
  }

  /**
   * A number that stays the same for as long as every count stays the same: it changes when a start is
   * recorded, and at the exact moment a start leaves the window (the line then sorts itself again).
   */
  stamp(now: number): number {
    if (now >= this.nextExpiry) {
      let next = Number.POSITIVE_INFINITY;
      for (const map of [this.members, this.guilds]) {
        for (const key of [...map.keys()]) {
          this.count(map, key, now);
          const oldest = map.get(key)?.[0];
          if (oldest !== undefined) next = Math.min(next, oldest + this.windowMs);
        }
      }
      this.nextExpiry = next;
      this.memo.clear();
      this.version += 1;
    }
    return this.version;
  }

  counts(claimant: Pick<Claimant, 'guildId' | 'userId'>, now: number): StartCounts {
    if (now !== this.memoAt) {
      this.memo.clear();
      this.memoAt = now;
    }
    const key = memberKey(claimant);
    let counts = this.memo.get(key);
    if (counts === undefined) {
      counts = { member: this.count(this.members, key, now), guild: this.count(this.guilds, claimant.guildId, now) };
      this.memo.set(key, counts);
    }
    return counts;
  }

  private count(map: Map<string, number[]>, key: string, now: number): number {
    const times = map.get(key);
    if (!times) return 0;
    while (times.length > 0 && now - times[0]! >= this.windowMs) times.shift();
    if (times.length === 0) map.delete(key);
    return times.length;
  }
}

function memberKey({ guildId, userId }: Pick<Claimant, 'guildId' | 'userId'>): string {
  return `${guildId}:${userId}`;
}

function push(map: Map<string, number[]>, key: string, at: number): void {
  const times = map.get(key);
  if (times) times.push(at);
  else map.set(key, [at]);
}

/**
 * About how long the waiter at `position` (1-based) waits for a slot of a window of `limit` grants per
 * `windowMs`, given when the grants now in the window were made: the window's own slots free up first,
 * then one window's worth of waiters goes every window.
 */
export function estimateWaitMs(position: number, grantTimes: readonly number[], limit: number, windowMs: number, now: number): number {
  return waitEstimator(grantTimes, limit, windowMs, now)(position);
}

/**
 * estimateWaitMs for every place of one line at one moment: when the window's slots free up is worked out
 * once, so reporting the places of a line of N waiters costs N look-ups, not N sorts.
 */
export function waitEstimator(grantTimes: readonly number[], limit: number, windowMs: number, now: number): (position: number) => number {
  // A grant still in flight is dated in the future until it settles; for an estimate it counts as now.
  const freeAt = grantTimes.map((at) => Math.min(at, now) + windowMs).sort((x, y) => x - y);
  while (freeAt.length < limit) freeAt.unshift(now);
  return (position) => {
    if (position < 1) return 0;
    const slot = freeAt[(position - 1) % limit] ?? now;
    const rounds = Math.floor((position - 1) / limit);
    return Math.max(0, slot + rounds * windowMs - now);
  };
}
