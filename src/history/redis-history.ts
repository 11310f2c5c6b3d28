import type { RedisClient } from '../storage/redis-client.js';
import {
  HISTORY_RETENTION_MS,
  assertPage,
  oldestLiveAt,
  parseHistoryEntry,
  validHistoryEntry,
  type HistoryEntry,
  type HistoryPage,
  type HistoryStore,
} from './history.js';

const SCAN_COUNT = 500;

/**
 * Image history in Redis: one string per entry (`${prefix}history:${jobId}`, expiring with the retention) and one
 * sorted set per member (`${prefix}history:${guildId}:${userId}`, job ids scored by createdAt).
 */
export class RedisHistoryStore implements HistoryStore {
  readonly #client: RedisClient;
  readonly #prefix: string;

  constructor(client: RedisClient, keyPrefix: string) {
    this.#client = client;
    this.#prefix = `${keyPrefix}history:`;
  }

  async record(entry: HistoryEntry): Promise<void> {
    const valid = validHistoryEntry(entry);
    const key = this.#entryKey(valid.jobId);
    const memberKey = this.#memberKey(valid.guildId, valid.userId);
    // A replacement may belong to another member (or guild); the old set must not keep pointing at it.
    const previous = await this.#read(key);
    const transaction = this.#client.multi();
    if (previous !== undefined) {
      const previousMemberKey = this.#memberKey(previous.guildId, previous.userId);
      if (previousMemberKey !== memberKey) transaction.zRem(previousMemberKey, valid.jobId);
    }
    // The key lives exactly as long as the entry does: createdAt + retention is still live, the next millisecond is not.
    transaction.set(key, JSON.stringify(valid), { expiration: { type: 'PXAT', value: valid.createdAt + HISTORY_RETENTION_MS + 1 } });
    transaction.zAdd(memberKey, { score: valid.createdAt, value: valid.jobId });
    await transaction.exec();
  }

  async get(jobId: string, now: number): Promise<HistoryEntry | undefined> {
    const entry = await this.#read(this.#entryKey(jobId));
    return entry !== undefined && entry.jobId === jobId && isLive(entry, now) ? entry : undefined;
  }

  async listForMember(guildId: string, userId: string, page: { offset: number; limit: number }, now: number): Promise<HistoryPage> {
    assertPage(page);
    const memberKey = this.#memberKey(guildId, userId);
    await this.#client.zRemRangeByScore(memberKey, '-inf', `(${oldestLiveAt(now)}`);
    const total = await this.#client.zCard(memberKey);
    if (page.limit === 0 || page.offset >= total) return { entries: [], total };
    const jobIds = await this.#client.zRange(memberKey, page.offset, page.offset + page.limit - 1, { REV: true });
    if (jobIds.length === 0) return { entries: [], total };
    const records = await this.#client.mGet(jobIds.map((jobId) => this.#entryKey(jobId)));
    const entries: HistoryEntry[] = [];
    for (const [index, record] of records.entries()) {
      const entry = record === null ? undefined : parseHistoryEntry(record);
      // Missing (expired) and unreadable records are skipped, as are records that say they belong elsewhere.
      if (entry === undefined || entry.jobId !== jobIds[index] || entry.guildId !== guildId || entry.userId !== userId) continue;
      if (isLive(entry, now)) entries.push(entry);
    }
    return { entries, total };
  }

  async remove(jobId: string): Promise<void> {
    const key = this.#entryKey(jobId);
    const entry = await this.#read(key);
    const transaction = this.#client.multi().del(key);
    if (entry !== undefined) transaction.zRem(this.#memberKey(entry.guildId, entry.userId), jobId);
    await transaction.exec();
  }

  /**
   * Trims the members' sets (found with SCAN, never KEYS) and deletes the entries they drop, returning how many went.
   * Entry keys also expire by themselves, but on Redis's clock; deleting them here keeps `now` the one judge.
   */
  async prune(now: number): Promise<number> {
    const memberKeyPattern = new RegExp(`^${escapeRegExp(this.#prefix)}\\d+:\\d+$`);
    const expired = `(${oldestLiveAt(now)}`;
    let removed = 0;
    for await (const keys of this.#client.scanIterator({ MATCH: `${escapeGlob(this.#prefix)}*:*`, TYPE: 'zset', COUNT: SCAN_COUNT })) {
      for (const key of keys) {
        if (!memberKeyPattern.test(key)) continue;
        const jobIds = await this.#client.zRange(key, '-inf', expired, { BY: 'SCORE' });
        if (jobIds.length === 0) continue;
        // An entry re-recorded between the read and this transaction would go too; entries are re-recorded only
        // around their delivery, never a retention later.
        const [, trimmed] = await this.#client
          .multi()
          .del(jobIds.map((jobId) => this.#entryKey(jobId)))
          .zRemRangeByScore(key, '-inf', expired)
          .exec();
        removed += Number(trimmed);
      }
    }
    return removed;
  }

  async #read(key: string): Promise<HistoryEntry | undefined> {
    const record = await this.#client.get(key);
    return record === null ? undefined : parseHistoryEntry(record);
  }

  #entryKey(jobId: string): string {
    return `${this.#prefix}${jobId}`;
  }

  #memberKey(guildId: string, userId: string): string {
    return `${this.#prefix}${guildId}:${userId}`;
  }
}

function isLive(entry: HistoryEntry, now: number): boolean {
  return entry.createdAt >= oldestLiveAt(now);
}

/** The prefix as a literal in a SCAN MATCH pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, '\\$&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
