import type { RedisClient } from '../storage/redis-client.js';
import {
  QUOTA_RETENTION_DAYS,
  assertLimit,
  assertUnits,
  byUsageDescending,
  effectiveGuildCap,
  type QuotaCounter,
  type QuotaReserveResult,
  type RefusingLimit,
  type QuotaScope,
} from './counter.js';

export interface RedisQuotaCounterOptions {
  client: Pick<RedisClient, 'sendCommand'>;
  /** Prepended to every key, e.g. 'imagine:'. */
  keyPrefix: string;
}

// Scripts run atomically on the server, so concurrent callers in any number of processes
// see each other's updates. KEYS[1] = hash of one guild-day (field = user id, value = usage),
// KEYS[2] = that guild-day's total. Every script that changes the hash rewrites the total with the
// hash's expiry (and deletes it with the hash), so the two stay equal; a missing total (a day
// counted before totals existed) is summed from the hash once.
const GUILD_TOTAL = `
local function guild_total()
  local total = redis.call('GET', KEYS[2])
  if total then return tonumber(total) end
  local sum = 0
  for _, value in ipairs(redis.call('HVALS', KEYS[1])) do sum = sum + tonumber(value) end
  return sum
end
local function store_total(total)
  if total <= 0 or redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('DEL', KEYS[2])
    return
  end
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('SET', KEYS[2], total, 'PX', ttl) else redis.call('SET', KEYS[2], total) end
end
`;

// KEYS[3] is the bot's total that day over every guild (the operator's daily budget): every reservation
// counts in it, whether a budget is set or not, and a release gives its unit back. A reset does not: an
// admin's reset gives a member more images, never the server more of the operator's budget.
// ARGV: user id, limit, guild cap (0 = none), expiry in seconds, daily budget (0 = none), units (all or none).
// Reply: {granted, used, guild total, refused by, available} with refused by 0 (granted), 1 (member),
// 2 (guild) or 3 (budget), and available the units every limit would still have given.
const RESERVE_SCRIPT = `${GUILD_TOTAL}
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local total = guild_total()
local limit = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local budget = tonumber(ARGV[5])
local units = tonumber(ARGV[6])
local spent = tonumber(redis.call('GET', KEYS[3]) or '0')
local available = limit - used
if cap > 0 then available = math.min(available, cap - total) end
if budget > 0 then available = math.min(available, budget - spent) end
available = math.max(0, available)
if used + units > limit then return {0, used, total, 1, available} end
if cap > 0 and total + units > cap then return {0, used, total, 2, available} end
if budget > 0 and spent + units > budget then return {0, used, total, 3, available} end
used = redis.call('HINCRBY', KEYS[1], ARGV[1], units)
redis.call('EXPIRE', KEYS[1], ARGV[4])
store_total(total + units)
redis.call('INCRBY', KEYS[3], units)
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {1, used, total + units, 0, available - units}`;

// ARGV: user id. Reply: the member's usage after it.
const RELEASE_SCRIPT = `${GUILD_TOTAL}
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if used <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 0
end
local total = guild_total()
if used == 1 then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
store_total(total - 1)
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
return used - 1`;

// ARGV: user id.
const RESET_SCRIPT = `${GUILD_TOTAL}
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local total = guild_total()
redis.call('HDEL', KEYS[1], ARGV[1])
if used > 0 then store_total(total - used) end
return 0`;

const GUILD_USED_SCRIPT = `${GUILD_TOTAL}
return guild_total()`;

const RETENTION_SECONDS = String(QUOTA_RETENTION_DAYS * 86_400);

const REFUSED_BY: Readonly<Record<number, RefusingLimit>> = { 1: 'member', 2: 'guild', 3: 'budget' };

/**
 * Quota counters as one Redis hash per guild-day (`${prefix}quota:${guildId}:${day}`, field = user id)
 * and the guild-day's total beside it (`${prefix}quota-total:${guildId}:${day}`).
 */
export class RedisQuotaCounter implements QuotaCounter {
  readonly #client: Pick<RedisClient, 'sendCommand'>;
  readonly #keyPrefix: string;

  constructor(options: RedisQuotaCounterOptions) {
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
  }

  async reserve(scope: QuotaScope, limit: number, guildCap?: number, dailyBudget?: number, units = 1): Promise<QuotaReserveResult> {
    assertLimit(limit);
    assertUnits(units);
    const cap = String(effectiveGuildCap(guildCap) ?? 0);
    const budget = String(effectiveGuildCap(dailyBudget) ?? 0);
    const reply = await this.#eval(RESERVE_SCRIPT, scope.guildId, scope.day, [scope.userId, String(limit), cap, RETENTION_SECONDS, budget, String(units)]);
    if (!Array.isArray(reply) || reply.length !== 5) throw new TypeError('quota reserve script: unexpected reply');
    const result = { granted: toCount(reply[0]) === 1, used: toCount(reply[1]), guildUsed: toCount(reply[2]) };
    const refusedBy = REFUSED_BY[toCount(reply[3])];
    return refusedBy === undefined ? result : { ...result, refusedBy, available: toCount(reply[4]) };
  }

  async budgetUsed(day: string): Promise<number> {
    return toCount(await this.#client.sendCommand(['GET', this.#budgetKey(day)]));
  }

  async release(scope: QuotaScope): Promise<number> {
    return toCount(await this.#eval(RELEASE_SCRIPT, scope.guildId, scope.day, [scope.userId]));
  }

  async reset(scope: QuotaScope): Promise<void> {
    await this.#eval(RESET_SCRIPT, scope.guildId, scope.day, [scope.userId]);
  }

  async guildUsed(guildId: string, day: string): Promise<number> {
    return toCount(await this.#eval(GUILD_USED_SCRIPT, guildId, day, []));
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

  #totalKey(guildId: string, day: string): string {
    return `${this.#keyPrefix}quota-total:${guildId}:${day}`;
  }

  #budgetKey(day: string): string {
    return `${this.#keyPrefix}quota-budget:${day}`;
  }

  /** Runs a script over one guild-day's hash and total and the bot's total that day. */
  #eval(script: string, guildId: string, day: string, args: readonly string[]): Promise<unknown> {
    const keys = [this.#key(guildId, day), this.#totalKey(guildId, day), this.#budgetKey(day)];
    return this.#client.sendCommand(['EVAL', script, String(keys.length), ...keys, ...args]);
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
