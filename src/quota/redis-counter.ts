import { QUOTA_RETENTION_DAYS, assertLimit, byUsageDescending, type QuotaCounter, type QuotaReserveResult, type QuotaScope } from './counter.js';

/** The one thing the counter needs from a Redis client (@redis/client's `sendCommand`). */
export interface RedisCommandSender {
  sendCommand(args: readonly string[]): Promise<unknown>;
}

export interface RedisQuotaCounterOptions {
  client: RedisCommandSender;
  /** Prepended to every key, e.g. 'imagine:'. */
  keyPrefix: string;
}

// Scripts run atomically on the server, so concurrent callers in any number of processes
// see each other's increments. KEYS[1] = hash of one guild-day, ARGV[1] = user id.
const RESERVE_SCRIPT = `
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if used < tonumber(ARGV[2]) then
  used = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return {1, used}
end
return {0, used}`;

const RELEASE_SCRIPT = `
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if used <= 1 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 0
end
return redis.call('HINCRBY', KEYS[1], ARGV[1], -1)`;

const RETENTION_SECONDS = String(QUOTA_RETENTION_DAYS * 86_400);

/** Quota counters as one Redis hash per guild-day (`${prefix}quota:${guildId}:${day}`, field = user id). */
export class RedisQuotaCounter implements QuotaCounter {
  readonly #client: RedisCommandSender;
  readonly #keyPrefix: string;

  constructor(options: RedisQuotaCounterOptions) {
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
  }

  async reserve(scope: QuotaScope, limit: number): Promise<QuotaReserveResult> {
    assertLimit(limit);
    const reply = await this.#eval(RESERVE_SCRIPT, this.#key(scope.guildId, scope.day), [scope.userId, String(limit), RETENTION_SECONDS]);
    if (!Array.isArray(reply) || reply.length !== 2) throw new TypeError('quota reserve script: unexpected reply');
    return { granted: toCount(reply[0]) === 1, used: toCount(reply[1]) };
  }

  async release(scope: QuotaScope): Promise<number> {
    return toCount(await this.#eval(RELEASE_SCRIPT, this.#key(scope.guildId, scope.day), [scope.userId]));
  }

  async reset(scope: QuotaScope): Promise<void> {
    await this.#client.sendCommand(['HDEL', this.#key(scope.guildId, scope.day), scope.userId]);
  }

  async used(scope: QuotaScope): Promise<number> {
    return toCount(await this.#client.sendCommand(['HGET', this.#key(scope.guildId, scope.day), scope.userId]));
  }

  async usedOnDays(guildId: string, userId: string, days: readonly string[]): Promise<number[]> {
    return Promise.all(days.map((day) => this.used({ guildId, userId, day })));
  }

  async guildDay(guildId: string, day: string): Promise<{ userId: string; used: number }[]> {
    const reply = await this.#client.sendCommand(['HGETALL', this.#key(guildId, day)]);
    return hashEntries(reply)
      .map(([userId, used]) => ({ userId, used: toCount(used) }))
      .filter((entry) => entry.used > 0)
      .sort(byUsageDescending);
  }

  #key(guildId: string, day: string): string {
    return `${this.#keyPrefix}quota:${guildId}:${day}`;
  }

  #eval(script: string, key: string, args: readonly string[]): Promise<unknown> {
    return this.#client.sendCommand(['EVAL', script, '1', key, ...args]);
  }
}

/** An integer reply, or a missing/bulk-string one ('12', null → 0). */
function toCount(reply: unknown): number {
  if (reply === null || reply === undefined) return 0;
  const value = typeof reply === 'number' ? reply : Number(String(reply));
  if (!Number.isSafeInteger(value)) throw new TypeError('quota counter: non-integer reply from Redis');
  return value;
}

/** HGETALL replies as a flat [field, value, …] array on RESP2 and as a map on RESP3. */
function hashEntries(reply: unknown): [string, unknown][] {
  if (Array.isArray(reply)) {
    const entries: [string, unknown][] = [];
    for (let index = 0; index + 1 < reply.length; index += 2) entries.push([String(reply[index]), reply[index + 1]]);
    return entries;
  }
  if (reply instanceof Map) return [...reply.entries()].map(([field, value]) => [String(field), value]);
  if (reply !== null && typeof reply === 'object') return Object.entries(reply);
  return [];
}
