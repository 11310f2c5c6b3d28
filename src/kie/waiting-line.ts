import type { AcquireOptions } from './budget.js';

export interface Waiter {
  readonly holdUntil: Promise<unknown> | undefined;
  grant(): void;
}

interface Entry extends Waiter {
  onPosition: ((position: number) => void) | undefined;
  reportedPosition: number;
  detach(): void;
}

/**
 * The callers waiting for a budget, first come first served: joining, leaving on abort, being granted, and
 * hearing their place in line. Shared by the in-process and the Redis budgets, which differ only in how
 * they decide that the next caller may go.
 */
export class WaitingLine {
  private readonly entries: Entry[] = [];

  /** `changed` runs after someone joins or leaves, so the budget can look again. */
  constructor(private readonly changed: () => void) {}

  get length(): number {
    return this.entries.length;
  }

  get first(): Waiter | undefined {
    return this.entries[0];
  }

  join(options: AcquireOptions): Promise<void> {
    const { signal, onPosition, holdUntil } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.entries.indexOf(entry);
        if (index >= 0) this.entries.splice(index, 1);
        reject(signal?.reason);
        this.changed();
      };
      const entry: Entry = {
        holdUntil,
        onPosition,
        reportedPosition: 0,
        grant: resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.entries.push(entry);
      this.changed();
    });
  }

  /** Lets the first caller go; returns it (for its holdUntil), or undefined when nobody waits. */
  grantNext(): Waiter | undefined {
    const entry = this.entries.shift();
    if (!entry) return undefined;
    entry.detach();
    if (entry.reportedPosition !== 0) report(entry, 0);
    entry.grant();
    return entry;
  }

  /**
   * Tells callers their place when it changed. With `newcomers: false` only callers already told hear the
   * change, so a caller granted at once never sees "#1 in line".
   */
  reportPositions(options: { newcomers: boolean }): void {
    this.entries.forEach((entry, index) => {
      if (entry.reportedPosition === index + 1) return;
      if (entry.reportedPosition === 0 && !options.newcomers) return;
      report(entry, index + 1);
    });
  }
}

function report(entry: Entry, position: number): void {
  entry.reportedPosition = position;
  try {
    entry.onPosition?.(position);
  } catch {
    // A failing progress display must not stall the line for everyone else.
  }
}
