/**
 * Passes verified callbacks on to the task waker: a callback seen before (same task id and timestamp, a
 * replay) wakes nothing, and one task is woken at most once per interval; a wake that comes sooner is held
 * until the interval is over (one at most per task), so KIE's real completion callback is never lost behind
 * an earlier one. Memory stays bounded: entries older than the signature's freshness window go.
 */
export type CallbackDecision = 'wake' | 'deferred' | 'replayed';

export interface CallbackWakeGateOptions {
  /** How long a signature stays fresh: a (task, timestamp) pair is remembered at least this long. */
  replayWindowMs: number;
  /** The shortest time between two wakes of one task. */
  minWakeIntervalMs: number;
  wake: (taskId: string) => void;
  now: () => number;
}

export class CallbackWakeGate {
  /** `${taskId}.${timestamp}` → when it was first seen (insertion order is time order). */
  private readonly seen = new Map<string, number>();
  /** taskId → when it was last woken (kept in time order by re-insertion). */
  private readonly lastWake = new Map<string, number>();
  /** Wakes held back by the interval, one per task. */
  private readonly held = new Map<string, NodeJS.Timeout>();
  private nextPruneAt = 0;

  constructor(private readonly options: CallbackWakeGateOptions) {}

  /** Call only for callbacks whose signature was verified. */
  admit(taskId: string, timestamp: string): CallbackDecision {
    const now = this.options.now();
    this.prune(now);
    const key = `${taskId}.${timestamp}`;
    if (this.seen.has(key)) return 'replayed';
    this.seen.set(key, now);
    if (this.held.has(taskId)) return 'deferred';
    const last = this.lastWake.get(taskId);
    if (last !== undefined && now - last < this.options.minWakeIntervalMs) {
      const timer = setTimeout(() => {
        this.held.delete(taskId);
        this.wake(taskId, this.options.now());
      }, last + this.options.minWakeIntervalMs - now);
      timer.unref();
      this.held.set(taskId, timer);
      return 'deferred';
    }
    this.wake(taskId, now);
    return 'wake';
  }

  close(): void {
    for (const timer of this.held.values()) clearTimeout(timer);
    this.held.clear();
  }

  private wake(taskId: string, now: number): void {
    this.lastWake.delete(taskId);
    this.lastWake.set(taskId, now);
    this.options.wake(taskId);
  }

  /** Each map is in time order, so each prune stops at the first live entry. */
  private prune(now: number): void {
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + this.options.minWakeIntervalMs;
    // A timestamp outside the window on either side fails the signature check, so twice the window covers every fresh one.
    dropOlderThan(this.seen, now - 2 * this.options.replayWindowMs);
    dropOlderThan(this.lastWake, now - this.options.minWakeIntervalMs);
  }
}

function dropOlderThan(map: Map<string, number>, cutoff: number): void {
  for (const [key, at] of map) {
    if (at >= cutoff) return;
    map.delete(key);
  }
}
