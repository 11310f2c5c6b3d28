import { sleep as defaultSleep } from '../util/sleep.js';
import type { Sleep } from '../util/sleep.js';

/**
 * Lets something outside a watch (a KIE callback) cut the watch's current pause short, so the next poll
 * happens now. Only tasks being watched are remembered, so stray or forged callbacks cannot grow memory.
 */
export class TaskWaker {
  private readonly sleepFn: Sleep;
  /** taskId → number of watches following it. */
  private readonly tracked = new Map<string, number>();
  /** taskId → controllers of the pauses in progress. */
  private readonly sleepers = new Map<string, Set<AbortController>>();
  /** Tracked tasks woken while no pause was in progress (e.g. during a poll): the next pause is skipped. */
  private readonly pending = new Set<string>();

  constructor(options: { sleep?: Sleep } = {}) {
    this.sleepFn = options.sleep ?? defaultSleep;
  }

  /** How many distinct tasks are being watched now. */
  get watching(): number {
    return this.tracked.size;
  }

  /** Marks a task as watched until the returned function is called. */
  track(taskId: string): () => void {
    this.tracked.set(taskId, (this.tracked.get(taskId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.tracked.get(taskId) ?? 1) - 1;
      if (count > 0) {
        this.tracked.set(taskId, count);
      } else {
        this.tracked.delete(taskId);
        this.pending.delete(taskId);
      }
    };
  }

  /** Ends the current pause of every watch on taskId. Returns false when nobody watches that task. */
  wake(taskId: string): boolean {
    if (!this.tracked.has(taskId)) return false;
    const sleepers = this.sleepers.get(taskId);
    if (sleepers === undefined || sleepers.size === 0) {
      this.pending.add(taskId);
    } else {
      for (const controller of sleepers) controller.abort();
    }
    return true;
  }

  /** Pauses up to ms; resolves early on wake(taskId); rejects with the signal's reason on abort. */
  async sleep(taskId: string, ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.pending.delete(taskId)) return;
    const controller = new AbortController();
    const forwardAbort = (): void => controller.abort();
    signal?.addEventListener('abort', forwardAbort, { once: true });
    let sleepers = this.sleepers.get(taskId);
    if (sleepers === undefined) {
      sleepers = new Set();
      this.sleepers.set(taskId, sleepers);
    }
    sleepers.add(controller);
    try {
      await this.sleepFn(ms, controller.signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!controller.signal.aborted) throw error;
      // Woken: return normally.
    } finally {
      signal?.removeEventListener('abort', forwardAbort);
      sleepers.delete(controller);
      if (sleepers.size === 0) this.sleepers.delete(taskId);
    }
  }
}
