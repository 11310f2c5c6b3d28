import type { Logger } from '../log.js';

/**
 * Logs refused callbacks at most once per interval, with how many were refused since the last line, so a
 * flood of forged or oversized requests cannot flood the log. A refusal that arrives while the log is quiet
 * is logged at once; the rest of a burst is summed up when the interval ends.
 */
export class RefusalLog {
  private pending = 0;
  private lastReason = '';
  private lastLoggedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  refused(reason: string): void {
    this.pending += 1;
    this.lastReason = reason;
    const wait = this.lastLoggedAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait).unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.close();
    if (this.pending === 0) return;
    this.logger.warn({ count: this.pending, lastReason: this.lastReason, perMs: this.intervalMs }, 'KIE callbacks refused');
    this.pending = 0;
    this.lastLoggedAt = this.now();
  }
}
