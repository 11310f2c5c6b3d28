import type { Keyv } from 'keyv';
import type { HistoryStore } from '../history/history.js';
import type { SpendCounter } from '../spend/spend.js';
import type { JobLedger } from '../jobs/ledger.js';
import type { KieBudgets } from '../kie/index.js';
import type { QuotaCounter } from '../quota/counter.js';

/** What the bot keeps, whichever backend keeps it; chosen once, from STORAGE_URL, by openStorage. */
export interface Storage {
  readonly kind: 'sqlite' | 'redis';
  /** The prefix of every Redis key and of the Keyv namespace. */
  readonly keyPrefix: string;
  /** Settings and other small values; built with throwOnErrors, so failed reads and writes reject. */
  readonly kv: Keyv;
  readonly counters: QuotaCounter;
  readonly ledger: JobLedger;
  /** The images delivered, per member, kept for the retention. */
  readonly history: HistoryStore;
  /** Images delivered and KIE credits consumed, per server and day. */
  readonly spend: SpendCounter;
  /**
   * KIE's request budgets for this process when `processes` bot processes share the API key: one window
   * shared in the store where it can hold one (Redis), else an equal part of KIE's limits for each process.
   */
  budgets(processes: number, onError: (error: unknown) => void): KieBudgets;
  /**
   * Deletes kv entries whose TTL has passed, by the wall clock Keyv reads, and resolves to how many went
   * (Redis expires its keys itself: 0).
   */
  pruneExpiredValues(): Promise<number>;
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  /** Prefixes every Redis key and the Keyv namespace (tests use it for isolation). Default 'imagine:'. */
  keyPrefix?: string;
  /** Receives store errors that happen after start-up (Redis reconnects, failed background work). Default: console.warn. */
  onError?: (error: unknown) => void;
  /** How long the Redis TCP/TLS connect may take at start-up (the whole start-up: 1.5×). Default 2000 ms. */
  connectTimeoutMs?: number;
}

export const STORAGE_URL_USAGE = 'use sqlite://PATH or redis://HOST:PORT';
export const DEFAULT_KEY_PREFIX = 'imagine:';
