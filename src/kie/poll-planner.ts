import { systemClock, systemSetTimer, type SetTimer } from '../clock.js';

export interface PollPlannerOptions {
  /** The poll rate this process may use (its share of KIE's 10 per second, less a margin). */
  pollsPerSecond: number;
  /** Shortest pause between two polls of one young task. */
  minIntervalMs?: number;
  /** How many recent generation times the planner learns from. */
  historySize?: number;
  now?: () => number;
  setTimer?: SetTimer;
}

export interface PollTurn {
  taskId: string;
  /** When KIE accepted the task (same clock as now). */
  startedAt: number;
  /** When the task was last polled (startedAt before its first poll). */
  lastPolledAt: number;
  /** The turn comes at the latest after this long, whatever else is waiting (the watch's deadline). */
  maxWaitMs: number;
  signal?: AbortSignal | undefined;
}

interface Waiter extends PollTurn {
  grant: () => void;
}

/** Below this many generation times, the planner knows nothing and shares polls evenly. */
const MIN_HISTORY = 5;
/** A task whose chance of having finished since its last poll is below this waits for a likelier one... */
const MIN_PRIORITY = 0.05;
/** ...but every minute without a poll adds 1 to its priority, so no task is forgotten (one poll per 3 s at worst). */
const AGING_PER_MS = 1 / 60_000;
const DEFAULT_MIN_INTERVAL_MS = 750;
/** The shortest time scale of the tail past the slowest recent task. */
const MIN_TAIL_MS = 1_000;
const DEFAULT_HISTORY_SIZE = 100;

/**
 * Hands out this process's polls one at a time, each to the watched task most likely to have finished since
 * it was last polled. The likelihood comes from the generation times of recent tasks (KIE's own createTime
 * and completeTime): a task younger than any seen so far is left alone, and polls go to the tasks in the
 * window where tasks usually finish. Compared with polling every task on a fixed share of the budget, the
 * same number of polls notices completions sooner. Before it has seen a few tasks finish, the planner
 * polls the task that has waited longest, which is an even share.
 */
export class PollPlanner {
  private readonly intervalMs: number;
  private readonly minIntervalMs: number;
  private readonly historySize: number;
  private readonly now: () => number;
  private readonly setTimer: SetTimer;
  private readonly waiters = new Set<Waiter>();
  /** Recent generation times, oldest first; `sorted` is a lazily built sorted copy. */
  private readonly history: number[] = [];
  private sorted: number[] | undefined;
  private lastGrantAt = Number.NEGATIVE_INFINITY;
  private cancelTick: (() => void) | undefined;

  constructor(options: PollPlannerOptions) {
    if (!(options.pollsPerSecond > 0)) throw new RangeError('pollsPerSecond must be positive');
    this.intervalMs = 1000 / options.pollsPerSecond;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.historySize = options.historySize ?? DEFAULT_HISTORY_SIZE;
    this.now = options.now ?? systemClock.now;
    this.setTimer = options.setTimer ?? systemSetTimer;
  }

  /** Teaches the planner how long a task took, from creation to completion at KIE. */
  recordGenerationTime(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.history.push(ms);
    if (this.history.length > this.historySize) this.history.shift();
    this.sorted = undefined;
  }

  /** Resolves when the task may poll; rejects with the signal's reason when aborted first. */
  waitTurn(turn: PollTurn): Promise<void> {
    turn.signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const finish = (): void => {
        this.waiters.delete(waiter);
        cancelDeadline();
        turn.signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        ...turn,
        grant: () => {
          finish();
          resolve();
        },
      };
      const onAbort = (): void => {
        finish();
        reject(turn.signal?.reason);
      };
      const cancelDeadline = this.setTimer(() => waiter.grant(), Math.max(0, turn.maxWaitMs));
      turn.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      this.scheduleTick();
    });
  }

  /** How many tasks wait for a turn (the imagine_kie_polls_waiting metric). */
  get waiting(): number {
    return this.waiters.size;
  }

  private scheduleTick(delayMs = Math.max(0, this.lastGrantAt + this.intervalMs - this.now())): void {
    if (this.cancelTick !== undefined || this.waiters.size === 0) return;
    this.cancelTick = this.setTimer(() => {
      this.cancelTick = undefined;
      this.tick();
    }, delayMs);
  }

  private tick(): void {
    const now = this.now();
    let best: Waiter | undefined;
    let bestPriority = MIN_PRIORITY;
    for (const waiter of this.waiters) {
      if (now - waiter.lastPolledAt < this.minGapMs(now - waiter.startedAt)) continue;
      const priority = this.priority(waiter, now);
      if (priority >= bestPriority) {
        best = waiter;
        bestPriority = priority;
      }
    }
    if (best === undefined) {
      // Nobody is due: look again shortly rather than spend a poll on an unlikely task.
      this.scheduleTick(this.intervalMs / 2);
      return;
    }
    this.lastGrantAt = now;
    best.grant();
    this.scheduleTick();
  }

  /** Young tasks may be polled often; older ones follow KIE's guidance of about 5 s, then 10 s. */
  private minGapMs(ageMs: number): number {
    if (ageMs < 60_000) return this.minIntervalMs;
    return ageMs < 120_000 ? 4_500 : 10_000;
  }

  /** P(finished since the last poll | unfinished then), plus aging; with no history, time waited. */
  private priority(waiter: Waiter, now: number): number {
    const waited = now - waiter.lastPolledAt;
    if (this.history.length < MIN_HISTORY) return 1 + waited * AGING_PER_MS;
    const before = this.finishedShare(waiter.lastPolledAt - waiter.startedAt);
    // Far past the slowest task the share rounds to 1: such a task is as due as any.
    const sinceThen = before >= 1 ? 1 : (this.finishedShare(now - waiter.startedAt) - before) / (1 - before);
    return sinceThen + waited * AGING_PER_MS;
  }

  /**
   * Share of recent tasks that had finished at this age: their generation times, interpolated between one
   * and the next. Past the slowest of them the remaining share (one in n + 1) runs out at a constant rate,
   * on the scale of their spread, so an overdue task stays as worth a poll as a typical one instead of
   * waiting for aging.
   */
  private finishedShare(ageMs: number): number {
    const sorted = (this.sorted ??= [...this.history].sort((a, b) => a - b));
    const count = sorted.length;
    const slowest = sorted[count - 1]!;
    if (ageMs >= slowest) {
      const tailMs = Math.max(MIN_TAIL_MS, (slowest - sorted[0]!) / 2);
      return 1 - Math.exp(-(ageMs - slowest) / tailMs) / (count + 1);
    }
    // How many recent tasks had finished by this age.
    let low = 0;
    let high = count;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (sorted[mid]! <= ageMs) low = mid + 1;
      else high = mid;
    }
    if (low === 0) return 0;
    const previous = sorted[low - 1]!;
    const next = sorted[low]!;
    return (low + (ageMs - previous) / (next - previous)) / (count + 1);
  }
}
