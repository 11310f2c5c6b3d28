import { systemClock } from '../clock.js';
import { randomBytes } from 'node:crypto';
import type { AcquireOptions } from './acquire-options.js';
import { MAX_GRANT_HOLD_MS, type RequestBudget } from './budget.js';
import { FAIR_WINDOW_MS, waitEstimator } from './fair-order.js';
import type { RedisClient } from '../storage/redis-client.js';
import { exponentialBackoff, type BackoffPolicy } from '../util/retry.js';
import { sleep as defaultSleep } from '../util/sleep.js';
import { WaitingLine, type Waiter } from './waiting-line.js';

/** How long a budget waits to ask Redis again after it failed to answer: 0.5, 1, 2, 4, then 5 s. */
export const STORE_OUTAGE_BACKOFF: BackoffPolicy = { baseDelayMs: 250, maxDelayMs: 5_000 };

// One waiting line shared by every bot process on the store, whose head is decided here, atomically:
// the line is a hash (entry id → owner, priority, arrival, server, member); the window is the sorted set of
// grants (as in redis-budget.ts; a grant whose request is in flight is dated ARGV[4] ms ahead until it
// settles); starts per member and per server are sorted sets of the last ten
// minutes. A call first applies the caller's joins and leaves and renews its lease (the entries of a process
// whose lease lapsed, because it died, are dropped). Then, if the window has room and the head of the fair
// order is one of the caller's, it is granted. It returns the granted entry ('' if none), the wait (0: the
// window has room but the head is another process's; else ms until a slot frees), Redis's clock, the
// grants in the window, and the caller's entries with their places.
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local grant = ARGV[3]
local hold = tonumber(ARGV[4])
local owner = ARGV[5]
local lease = tonumber(ARGV[6])
local fair = tonumber(ARGV[7])
local prefix = ARGV[8]
redis.call('SET', prefix .. 'kie:line:owner:' .. owner, '1', 'PX', lease)
local leaves = tonumber(ARGV[9])
local i = 10
for _ = 1, leaves do
  redis.call('HDEL', KEYS[2], ARGV[i])
  i = i + 1
end
while i < #ARGV do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local counted = {}
local function starts(key)
  if counted[key] == nil then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - fair)
    counted[key] = redis.call('ZCARD', key)
  end
  return counted[key]
end
local alive = {}
local entries = {}
local raw = redis.call('HGETALL', KEYS[2])
for j = 1, #raw, 2 do
  local id = raw[j]
  local o, prio, arrived, g, u, held = string.match(raw[j + 1], '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  if o == nil then
    redis.call('HDEL', KEYS[2], id)
  else
    if alive[o] == nil then alive[o] = redis.call('EXISTS', prefix .. 'kie:line:owner:' .. o) == 1 end
    if alive[o] then
      local mk = prefix .. 'kie:starts:m:' .. g .. ':' .. u
      local gk = prefix .. 'kie:starts:g:' .. g
      entries[#entries + 1] = { id = id, owner = o, prio = tonumber(prio), arrived = tonumber(arrived), m = starts(mk), g = starts(gk), mk = mk, gk = gk, held = held == '1' }
    else
      redis.call('HDEL', KEYS[2], id)
    end
  end
end
table.sort(entries, function(a, b)
  if a.prio ~= b.prio then return a.prio > b.prio end
  if a.m ~= b.m then return a.m < b.m end
  if a.g ~= b.g then return a.g < b.g end
  if a.arrived ~= b.arrived then return a.arrived < b.arrived end
  return a.id < b.id
end)
local granted = ''
local head = entries[1]
if head ~= nil and head.owner == owner and redis.call('ZCARD', KEYS[1]) < limit then
  if not head.held then hold = 0 end
  redis.call('ZADD', KEYS[1], now + hold, grant)
  redis.call('PEXPIRE', KEYS[1], window + hold)
  redis.call('HDEL', KEYS[2], head.id)
  redis.call('ZADD', head.mk, now, grant)
  redis.call('PEXPIRE', head.mk, fair)
  redis.call('ZADD', head.gk, now, grant)
  redis.call('PEXPIRE', head.gk, fair)
  granted = head.id
  table.remove(entries, 1)
end
if #entries > 0 then redis.call('PEXPIRE', KEYS[2], fair) end
local wait = 0
local grants = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
if #grants / 2 >= limit then wait = math.max(1, tonumber(grants[2]) + window - now) end
local reply = { granted, tostring(wait), tostring(now), tostring(#grants / 2) }
for j = 2, #grants, 2 do reply[#reply + 1] = grants[j] end
for place, entry in ipairs(entries) do
  if entry.owner == owner then
    reply[#reply + 1] = entry.id
    reply[#reply + 1] = tostring(place)
  end
end
return reply
`;

export interface RedisFairBudgetOptions {
  redis: Pick<RedisClient, 'sendCommand'>;
  /** Every key of the line starts with this (the store's key prefix). */
  keyPrefix: string;
  limit: number;
  windowMs: number;
  safetyMarginMs?: number;
  /** How long a process's entries outlive its last call (it calls every 250 ms at most while it waits). */
  leaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onError?: (error: unknown) => void;
}

/** Long enough for a busy process's event loop, short enough that a dead one's waiters soon stop blocking the line. */
const DEFAULT_LEASE_MS = 5_000;
/** How soon to look again when the window has room but the head of the line is another process's. */
const OTHERS_TURN_MS = 25;

/**
 * KIE's create limit for every bot process on one Redis, with one fair waiting line for all of them: the
 * store decides whose turn it is (see TAKE_SCRIPT), each process grants its own waiters when told.
 */
export class RedisFairBudget implements RequestBudget {
  private readonly line = new WaitingLine(() => void this.pump());
  private readonly owner = randomBytes(6).toString('hex');
  private readonly windowMs: number;
  private readonly leaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Waiters the store holds (by their sequence in the local line). */
  private readonly synced = new Set<number>();
  private pumping = false;
  private grantCount = 0;

  constructor(private readonly options: RedisFairBudgetOptions) {
    this.windowMs = options.windowMs + (options.safetyMarginMs ?? 0);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.sleep = options.sleep ?? ((ms) => defaultSleep(ms));
  }

  get queued(): number {
    return this.line.length;
  }

  acquire(options: AcquireOptions = {}): Promise<void> {
    return this.line.join(options);
  }

  private entryId(sequence: number): string {
    return `${this.owner}:${String(sequence).padStart(12, '0')}`;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      let failures = 0;
      while (this.line.length > 0 || this.leavers().length > 0) {
        const leaves = this.leavers();
        const joins = this.line.waiters.filter((waiter) => !this.synced.has(waiter.sequence));
        let reply: TakeReply;
        try {
          reply = await this.take(leaves, joins);
          failures = 0;
        } catch (error) {
          // Without Redis nobody knows whose turn it is or what the others spent: wait rather than risk 429s.
          this.options.onError?.(error);
          failures += 1;
          this.line.reportPositions({ newcomers: true });
          await this.sleep(exponentialBackoff(STORE_OUTAGE_BACKOFF, failures + 1));
          continue;
        }
        for (const sequence of leaves) this.synced.delete(sequence);
        for (const waiter of joins) this.synced.add(waiter.sequence);
        if (reply.granted !== undefined) {
          this.synced.delete(reply.granted);
          // An abort meanwhile may have taken the waiter away; the slot is then spent, which errs on the safe side.
          this.settleWhenOver(this.line.grant(reply.granted), reply.grant);
        }
        // Waiters the store no longer holds (their lease lapsed while Redis was away) join again.
        for (const waiter of this.line.waiters) if (!reply.places.has(waiter.sequence)) this.synced.delete(waiter.sequence);
        const blocked = reply.granted === undefined;
        const { grantTimes, now } = reply;
        this.line.reportPositions({
          newcomers: blocked,
          places: reply.places,
          eta: waitEstimator(grantTimes, this.options.limit, this.windowMs, now),
        });
        if (!blocked || this.line.length === 0) continue;
        await this.sleep(reply.waitMs > 0 ? Math.min(250, Math.max(5, reply.waitMs)) : OTHERS_TURN_MS);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Waiters the store holds that left the local line (aborted). */
  private leavers(): number[] {
    if (this.synced.size === 0) return [];
    const present = new Set(this.line.waiters.map((waiter) => waiter.sequence));
    return [...this.synced].filter((sequence) => !present.has(sequence));
  }

  private async take(leaves: number[], joins: readonly Waiter[]): Promise<TakeReply> {
    this.grantCount += 1;
    const grant = `${this.owner}:${systemClock.now()}:${this.grantCount}`;
    const { keyPrefix } = this.options;
    const args = [
      String(this.options.limit),
      String(this.windowMs),
      grant,
      String(MAX_GRANT_HOLD_MS),
      this.owner,
      String(this.leaseMs),
      String(FAIR_WINDOW_MS),
      keyPrefix,
      String(leaves.length),
      ...leaves.map((sequence) => this.entryId(sequence)),
      ...joins.flatMap((waiter) => [this.entryId(waiter.sequence), this.describe(waiter)]),
    ];
    const raw = (await this.options.redis.sendCommand(['EVAL', TAKE_SCRIPT, '2', `${keyPrefix}kie:budget:create`, `${keyPrefix}kie:line:create`, ...args])) as unknown[];
    const text = raw.map(String);
    const grantCount = Number(text[3]);
    const grantTimes = text.slice(4, 4 + grantCount).map(Number);
    const places = new Map<number, number>();
    for (let i = 4 + grantCount; i + 1 < text.length; i += 2) places.set(this.sequenceOf(text[i]!), Number(text[i + 1]));
    const granted = text[0] === '' ? undefined : this.sequenceOf(text[0]!);
    return { granted, grant, waitMs: Number(text[1]), now: Number(text[2]), grantTimes, places };
  }

  private describe(waiter: Waiter): string {
    const claimant = waiter.claimant;
    // '|' separates the fields; snowflakes never hold one.
    const clean = (value: string) => value.replace(/\|/g, '');
    return [
      this.owner,
      claimant?.priority ? '1' : '0',
      String(Math.trunc(claimant?.arrivedAt ?? systemClock.now())),
      clean(claimant?.guildId ?? '-'),
      clean(claimant?.userId ?? '-'),
      waiter.holdUntil ? '1' : '0',
    ].join('|');
  }

  private sequenceOf(entryId: string): number {
    return Number(entryId.slice(entryId.lastIndexOf(':') + 1));
  }

  /** Dates an in-flight grant to when its answer came, as the plain Redis budget does. */
  private settleWhenOver(waiter: Waiter | undefined, member: string): void {
    if (!waiter?.holdUntil) return;
    const settle = (): void => void this.settle(member);
    waiter.holdUntil.then(settle, settle);
  }

  private async settle(member: string): Promise<void> {
    try {
      await this.options.redis.sendCommand(['EVAL', SETTLE_SCRIPT, '1', `${this.options.keyPrefix}kie:budget:create`, member]);
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}

/** Dates a grant made with a hold (in the future) to now, once its request has left: both budgets use it. */
export const SETTLE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) > now then redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1]) end
return 0
`;

interface TakeReply {
  granted: number | undefined;
  /** The window member a grant was (or would have been) recorded as. */
  grant: string;
  waitMs: number;
  now: number;
  grantTimes: number[];
  places: Map<number, number>;
}
