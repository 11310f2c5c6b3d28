import { randomBytes } from 'node:crypto';
import { systemClock } from '../clock.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../storage/redis-client.js';
import { sleep as defaultSleep, type Sleep } from '../util/sleep.js';

/** A machine may not run the shards it asked for; the message is the one line the operator reads. */
export class PlacementError extends Error {
  override readonly name = 'PlacementError';
}

/** How long a claim lives without being refreshed: a machine that dies outright frees its shards this fast. */
export const LEASE_TTL_MS = 10_000;
/** How often a running machine refreshes its claims. */
const REFRESH_INTERVAL_MS = 1_000;
/** A claim not refreshed for this long belongs to a machine that is gone (it refreshes every second). */
const STALE_AFTER_MS = 3_000;
const WATCH_STEP_MS = 100;

// KEYS[1]: the shard count key, KEYS[2..]: one key per shard. ARGV: total, ttl, the new value, then per shard
// the value a stale claim was seen with ('' = none), which may be replaced. All or nothing.
const CLAIM_SCRIPT = `
local count = redis.call('GET', KEYS[1])
if count and count ~= ARGV[1] then return {'count', count} end
for i = 2, #KEYS do
  local held = redis.call('GET', KEYS[i])
  if held and held ~= ARGV[i + 2] then return {'held', tostring(i - 2), held} end
end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[3], 'PX', ARGV[2]) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'ok'}
`;

// Same keys. ARGV: total, ttl, this claimant's prefix, the new value. A shard held under another prefix was
// taken over: nothing is written and the shard is named.
const REFRESH_SCRIPT = `
for i = 2, #KEYS do
  local held = redis.call('GET', KEYS[i])
  if held and string.sub(held, 1, #ARGV[3]) ~= ARGV[3] then return {'lost', tostring(i - 2), held} end
end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[4], 'PX', ARGV[2]) end
local count = redis.call('GET', KEYS[1])
if not count or count == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return {'ok'}
`;

// KEYS: the shard keys. ARGV[1]: this claimant's prefix. The count key lapses by itself (others may share it).
const RELEASE_SCRIPT = `
for i = 1, #KEYS do
  local held = redis.call('GET', KEYS[i])
  if held and string.sub(held, 1, #ARGV[1]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 0
`;

export interface ShardLeasesOptions {
  redis: Pick<RedisClient, 'sendCommand'>;
  keyPrefix: string;
  /** How this machine is named in its claims and in other machines' refusals. */
  machineId: string;
  totalShards: number;
  shardIds: readonly number[];
  /** Another machine took one of the shards over (this one stopped refreshing for too long): stop running it. */
  onLost: (shardId: number, machine: string) => void;
  logger: Logger;
  ttlMs?: number;
  refreshIntervalMs?: number;
  staleAfterMs?: number;
  sleep?: Sleep;
}

/**
 * This machine's claim on its shards, kept in Redis so that no two live machines run the same shard: one
 * short-lived key per shard holding the machine's id, refreshed every second while it runs and deleted on a
 * clean stop. A claim nobody refreshes any more (its machine was killed) is taken over after a few seconds.
 */
export class ShardLeases {
  /** Starts every value this claimant writes, so a refresh knows its own claims from another's. */
  private readonly prefix = `${randomBytes(8).toString('hex')}:`;
  private readonly since = systemClock.now();
  private beat = 0;
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private failing = false;
  private readonly ttlMs: number;
  private readonly sleep: Sleep;

  constructor(private readonly options: ShardLeasesOptions) {
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Claims every shard of the list, or throws a PlacementError naming the shard and the machine in the way. */
  async claim(): Promise<void> {
    const { shardIds, totalShards } = this.options;
    const replaceable: string[] = shardIds.map(() => '');
    for (let attempt = 0; attempt <= shardIds.length + 2; attempt++) {
      const reply = (await this.run(CLAIM_SCRIPT, [this.countKey, ...this.shardKeys], [String(totalShards), String(this.ttlMs), this.nextValue(), ...replaceable])) as string[];
      if (reply[0] === 'ok') {
        this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs ?? REFRESH_INTERVAL_MS);
        this.timer.unref();
        return;
      }
      if (reply[0] === 'count') {
        throw new PlacementError(
          `SHARD_COUNT is ${totalShards}, but the machines running on this Redis use ${reply[1]}: every machine needs the same SHARD_COUNT (a stopped machine's claim lapses within ${this.ttlMs / 1000} s)`,
        );
      }
      const index = Number(reply[1]);
      const held = reply[2] ?? '';
      const fate = await this.watch(this.shardKeys[index]!, held);
      const shardId = shardIds[index]!;
      if (fate === 'live') {
        throw new PlacementError(
          `SHARD_LIST: shard ${shardId} is already run by machine "${machineOf(held)}", which is live: give each machine its own shards (SHARD_LIST ${formatList(shardIds)} overlaps it)`,
        );
      }
      if (fate === 'stale') {
        this.options.logger.warn({ shard: shardId, machine: machineOf(held) }, 'taking over a shard whose machine stopped refreshing its claim');
        replaceable[index] = held;
      }
    }
    throw new PlacementError(`SHARD_LIST: the shards ${formatList(shardIds)} kept changing hands while this machine claimed them; start it again`);
  }

  /** Stops refreshing and deletes this machine's claims, so a replacement may start at once. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.run(RELEASE_SCRIPT, this.shardKeys, [this.prefix]);
  }

  private async refresh(): Promise<void> {
    if (this.refreshing || this.timer === undefined) return;
    this.refreshing = true;
    try {
      const reply = (await this.run(REFRESH_SCRIPT, [this.countKey, ...this.shardKeys], [String(this.options.totalShards), String(this.ttlMs), this.prefix, this.nextValue()])) as string[];
      if (this.failing) this.options.logger.info('shard claims refreshed again');
      this.failing = false;
      if (reply[0] === 'lost' && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
        this.options.onLost(this.options.shardIds[Number(reply[1])]!, machineOf(reply[2] ?? ''));
      }
    } catch (error) {
      // Redis away: the claims hold for their TTL; past it another machine may take the shards, which the next refresh sees.
      if (!this.failing) this.options.logger.warn({ err: error }, 'could not refresh the shard claims');
      this.failing = true;
    } finally {
      this.refreshing = false;
    }
  }

  /** Watches a claim in the way: refreshed (live), deleted or expired (gone), or left as it was (stale). */
  private async watch(key: string, held: string): Promise<'live' | 'gone' | 'stale'> {
    const deadline = systemClock.now() + (this.options.staleAfterMs ?? STALE_AFTER_MS);
    while (systemClock.now() < deadline) {
      await this.sleep(WATCH_STEP_MS);
      const now = (await this.options.redis.sendCommand(['GET', key])) as string | null;
      if (now === null) return 'gone';
      if (now !== held) return 'live';
    }
    return 'stale';
  }

  private nextValue(): string {
    this.beat += 1;
    return `${this.prefix}${JSON.stringify({ machine: this.options.machineId, pid: process.pid, since: this.since, beat: this.beat })}`;
  }

  private run(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    return this.options.redis.sendCommand(['EVAL', script, String(keys.length), ...keys, ...args]);
  }

  private get countKey(): string {
    return `${this.options.keyPrefix}shards:count`;
  }

  private get shardKeys(): string[] {
    return this.options.shardIds.map((id) => `${this.options.keyPrefix}shards:${id}`);
  }
}

/** The machine named in a claim's value ("?" for a value this code did not write). */
function machineOf(value: string): string {
  try {
    const machine = (JSON.parse(value.slice(value.indexOf(':') + 1)) as { machine?: unknown }).machine;
    return typeof machine === 'string' ? machine : '?';
  } catch {
    return '?';
  }
}

/** Ids as ranges where they run on: [0,1,2,3,6] → "0-3,6". */
export function formatList(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(j > i ? `${ids[i]}-${ids[j]}` : String(ids[i]));
    i = j;
  }
  return parts.join(',');
}
