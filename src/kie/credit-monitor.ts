import type { Keyv } from 'keyv';
import type { Logger } from '../log.js';

/** What one Seedream 4.5 image costs at KIE; the fake KIE charges the same. */
export const CREDITS_PER_IMAGE = 6.5;
/** About what one KIE credit costs in US dollars (so an image about $0.0325). */
export const USD_PER_CREDIT = 0.005;

/** About how many images a balance pays for. */
export function imagesFor(credits: number): number {
  return Math.max(0, Math.floor(credits / CREDITS_PER_IMAGE));
}

export interface CreditMonitorOptions {
  getCredits: () => Promise<number>;
  /** KIE_LOW_CREDITS: warn when the balance falls under it; undefined = never warn. */
  threshold: number | undefined;
  /** The servers to warn (this process's), and how: one post to each one's log channel. */
  servers: () => readonly string[];
  /** Whether the warning was posted (a server without a log channel is warned once it has one). */
  warn: (guildId: string, balance: number) => Promise<boolean>;
  /** Remembers, across restarts and processes, which servers were warned of the current low balance. */
  kv: Keyv;
  now: () => number;
  logger: Logger;
  /** Regular checks (default 10 minutes). */
  intervalMs?: number;
  /** A check after a 402 is skipped when another 402 caused one this recently (a burst of failing jobs makes one check). */
  afterPaymentRequiredMs?: number;
}

/**
 * Watches KIE's credit balance: at most every 10 minutes, and after KIE refused a task for lack of credits.
 * Under KIE_LOW_CREDITS each server's log channel gets one warning, and no other until the balance has
 * recovered and fallen again.
 */
export class CreditMonitor {
  /** When a 402 last caused a check; regular checks do not count, as they may have read the balance before the 402. */
  private lastPaymentRequiredCheck = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CreditMonitorOptions) {}

  start(): void {
    if (this.options.threshold === undefined || this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? 10 * 60_000).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * KIE answered 402 (credits insufficient): look at the balance now, unless another 402 caused a check in
   * the last 30 s. A check already under way may have read the balance before the 402, so a fresh one follows it.
   */
  paymentRequired(): void {
    if (this.options.threshold === undefined) return;
    const now = this.options.now();
    if (now - this.lastPaymentRequiredCheck < (this.options.afterPaymentRequiredMs ?? 30_000)) return;
    this.lastPaymentRequiredCheck = now;
    void (this.running ?? Promise.resolve()).then(() => this.check());
  }

  /** One check (concurrent calls share it); failures are logged, never thrown. */
  check(): Promise<void> {
    this.running ??= this.checkOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    const { threshold, logger } = this.options;
    if (threshold === undefined) return;
    let balance: number;
    try {
      balance = await this.options.getCredits();
    } catch (error) {
      logger.warn({ err: error }, 'could not read the KIE credit balance');
      return;
    }
    const low = balance < threshold;
    logger.info({ credits: balance, threshold, low }, 'KIE credit balance checked');
    for (const guildId of this.options.servers()) {
      try {
        const key = `credits-low-warned:${guildId}`;
        const warned = (await this.options.kv.get(key)) === true;
        if (low && !warned) {
          if (await this.options.warn(guildId, balance)) await this.options.kv.set(key, true);
        } else if (!low && warned) {
          await this.options.kv.delete(key);
        }
      } catch (error) {
        logger.warn({ err: error, guildId }, 'could not warn about low KIE credits');
      }
    }
  }
}
