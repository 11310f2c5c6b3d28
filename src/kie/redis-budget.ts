import { systemClock } from '../clock.js';
import { DEFAULT_CREATE_MARGIN_MS, DEFAULT_POLL_MARGIN_MS, KIE_CREATE_LIMIT, KIE_POLL_LIMIT, MAX_GRANT_HOLD_MS, type KieBudgets, type RequestBudget } from './budget.js';
import type { AcquireOptions } from './acquire-options.js';
import type { RedisClient } from '../storage/redis-client.js';
import { exponentialBackoff } from '../util/retry.js';
import { sleep as defaultSleep } from '../util/sleep.js';
import { RedisFairBudget, SETTLE_SCRIPT, STORE_OUTAGE_BACKOFF } from './redis-fair-budget.js';
import { WaitingLine } from './waiting-line.js';

// A sliding-window log shared by every process on the same Redis: one entry per grant, scored with Redis's
// own clock so processes with skewed clocks still agree. A grant still in flight is scored ARGV[4] ms in the
// future; SETTLE dates it to when its answer came. Returns 0 when granted, else ms until a slot frees.
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local hold = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + hold)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

export interface RedisSlidingWindowBudgetOptions {
  redis: Pick<RedisClient, 'sendCommand'>;
  key: string;
  limit: number;
  windowMs: number;
  safetyMarginMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onError?: (error: unknown) => void;
}


/**
 * KIE's per-key limits enforced across every bot process that shares the store: each process keeps its own
 * waiters in FIFO order and takes grants from one Redis window.
 */
export class RedisSlidingWindowBudget implements RequestBudget {
  private readonly line = new WaitingLine(() => {
    this.line.reportPositions({ newcomers: this.blocked });
    void this.pump();
  });
  private readonly windowMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private pumping = false;
  /** True while the window is full (or Redis is away): only then are callers told their place in line. */
  private blocked = false;
  private sequence = 0;

  constructor(private readonly options: RedisSlidingWindowBudgetOptions) {
    this.windowMs = options.windowMs + (options.safetyMarginMs ?? 0);
    this.sleep = options.sleep ?? ((ms) => defaultSleep(ms));
  }

  get queued(): number {
    return this.line.length;
  }

  acquire(options: AcquireOptions = {}): Promise<void> {
    return this.line.join(options);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      let failures = 0;
      while (this.line.length > 0) {
        let wait: number;
        let member: string;
        const holding = this.line.first?.holdUntil !== undefined;
        try {
          ({ wait, member } = await this.take(holding));
          failures = 0;
        } catch (error) {
          // Without Redis we cannot know what other processes spent: wait rather than risk KIE's 429s.
          this.options.onError?.(error);
          failures += 1;
          this.markBlocked();
          await this.sleep(exponentialBackoff(STORE_OUTAGE_BACKOFF, failures + 1));
          continue;
        }
        if (wait === 0) {
          this.blocked = false;
          // An abort meanwhile may have emptied the line; the slot is then spent, which errs on the safe side.
          const granted = this.line.grantNext();
          if (granted?.holdUntil) {
            const settle = (): void => void this.settle(member);
            granted.holdUntil.then(settle, settle);
          }
          this.line.reportPositions({ newcomers: false });
        } else {
          this.markBlocked();
          // Grants still in flight are dated in the future until they settle, so look again soon.
          await this.sleep(Math.min(250, Math.max(5, wait)));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async take(holding: boolean): Promise<{ wait: number; member: string }> {
    this.sequence += 1;
    const member = `${process.pid}:${systemClock.now()}:${this.sequence}:${Math.random().toString(36).slice(2, 8)}`;
    const reply = await this.options.redis.sendCommand([
      'EVAL',
      TAKE_SCRIPT,
      '1',
      this.options.key,
      String(this.options.limit),
      String(this.windowMs),
      member,
      String(holding ? MAX_GRANT_HOLD_MS : 0),
    ]);
    return { wait: Number(reply), member };
  }

  /** Dates an in-flight grant to now; if Redis is unreachable the grant simply expires later (safe side). */
  private async settle(member: string): Promise<void> {
    try {
      await this.options.redis.sendCommand(['EVAL', SETTLE_SCRIPT, '1', this.options.key, member]);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private markBlocked(): void {
    this.blocked = true;
    this.line.reportPositions({ newcomers: true });
  }
}

/**
 * KIE's two limits as budgets shared through Redis (one window per kind, per key prefix); createTask slots
 * go through one fair waiting line shared by every process (redis-fair-budget.ts).
 */
export function createRedisKieBudgets(redis: Pick<RedisClient, 'sendCommand'>, keyPrefix: string, onError?: (error: unknown) => void): KieBudgets {
  const common = { redis, ...(onError ? { onError } : {}) };
  return {
    create: new RedisFairBudget({ ...common, keyPrefix, ...KIE_CREATE_LIMIT, safetyMarginMs: DEFAULT_CREATE_MARGIN_MS }),
    poll: new RedisSlidingWindowBudget({ ...common, key: `${keyPrefix}kie:budget:poll`, ...KIE_POLL_LIMIT, safetyMarginMs: DEFAULT_POLL_MARGIN_MS }),
  };
}
