import type { Client } from 'discord.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { PollingOptions } from './jobs/polling.js';
import type { JobRunnerOptions } from './jobs/runner.js';
import type { JobService } from './jobs/service.js';
import type { CreditMonitorOptions } from './kie/credit-monitor.js';
import type { KieBudgetTuning } from './kie/index.js';
import type { Logger } from './log.js';
import type { HealthReport } from './ops/health.js';
import type { BotMetrics } from './ops/metrics.js';
import type { Services } from './services.js';
import type { ShardProcess } from './sharding.js';
import type { Storage } from './storage/index.js';

/** Timings and choices for tests and benchmarks, each an option of the part it tunes; production uses the defaults. */
export interface AppTuning extends Partial<Pick<JobRunnerOptions, 'progressIntervalMs' | 'firstProgressEditMs' | 'deliveryRetryDelaysMs' | 'settleRetryDelaysMs' | 'tokenLifetimeMs'>> {
  polling?: PollingOptions;
  kieBudgets?: KieBudgetTuning;
  /** The naive benchmark baseline only: the router defers these slash commands before any check (RouterDeps.deferFirst). */
  deferFirst?: readonly string[];
  healthIntervalMs?: number;
  /** How long a DM press's membership answer is reused (default MEMBERSHIP_CACHE_MS). */
  membershipCacheMs?: number;
  creditCheck?: Pick<CreditMonitorOptions, 'intervalMs' | 'afterPaymentRequiredMs'>;
}

export interface App {
  client: Client;
  services: Services;
  jobs: JobService;
  metrics: BotMetrics;
  /** Whether the gateway is connected and the store answers (/healthz). */
  health(): Promise<HealthReport>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  logger: Logger;
  storage: Storage;
  clock?: Clock;
  /** How many image relays run at once (default: one per core, 2 to 4). */
  imageConcurrency?: number;
  /** Where downloaded images wait for their re-encode (default: the system's temporary folder). */
  downloadDir?: string;
  /** Set when this process is a shard of a ShardingManager: it hears KIE's callbacks from the manager and takes its part of KIE's limits. */
  shard?: ShardProcess;
  /** Where the bot counts what it does (default: a registry of its own, without the process's metrics). */
  metrics?: BotMetrics;
  tuning?: AppTuning;
}
