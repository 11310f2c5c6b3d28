import { Events, type Client } from 'discord.js';
import { commandMap, commands } from '../commands/index.js';
import { createClient, routeInteractions } from './bot.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { RestReplies } from './discord/replies.js';
import { downloadImage, fitToUploadLimit } from './jobs/image.js';
import { RedisJobLedger, SqliteJobLedger, type JobLedger } from './jobs/ledger.js';
import { JobRunner } from './jobs/runner.js';
import { JobService } from './jobs/service.js';
import { KieClient, SlidingWindowBudget } from './kie/index.js';
import type { Logger } from './log.js';
import { GuildSettingsStore } from './moderation/settings.js';
import { QuotaService } from './quota/quota-service.js';
import { registerCommands } from './register.js';
import type { Services } from './services.js';
import type { Storage } from './storage.js';
import { Semaphore } from './util/semaphore.js';

export const USER_AGENT = 'imagine-discord-bot/0.1 (+https://github.com/; node)';

export interface App {
  client: Client;
  services: Services;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Knobs for tests and benchmarks; production uses the defaults. */
export interface AppTuning {
  pollSchedule?: (elapsedMs: number) => number;
  progressIntervalMs?: number;
  deliveryRetryDelaysMs?: readonly number[];
  tokenLifetimeMs?: number;
}

export interface AppOptions {
  config: Config;
  logger: Logger;
  storage: Storage;
  clock?: Clock;
  /** How many downloads/re-encodes run at once: bounds memory when many 4K images finish together. */
  imageConcurrency?: number;
  tuning?: AppTuning;
}

/** Wires config, storage, KIE and Discord into a bot; nothing here reads the environment. */
export function createApp({ config, logger, storage, clock = systemClock, imageConcurrency = 2, tuning = {} }: AppOptions): App {
  const client = createClient(config);
  const settings = new GuildSettingsStore(storage.kv);
  const quota = new QuotaService({ counter: storage.counters, settings, defaultDaily: config.quotaDaily, clock });
  const kie = new KieClient({
    baseUrl: config.kieApiUrl,
    apiKey: config.kieApiKey,
    userAgent: USER_AGENT,
    createBudget: new SlidingWindowBudget({ limit: 20, windowMs: 10_000 }),
    pollBudget: new SlidingWindowBudget({ limit: 10, windowMs: 1_000 }),
  });
  const images = new Semaphore(imageConcurrency);
  const ledger = ledgerFor(storage);
  const runner = new JobRunner({
    kie,
    ledger,
    refund: (scope) => quota.refund(scope),
    replies: new RestReplies(client.rest),
    download: (url, signal) => images.run(() => downloadImage(url, { signal, userAgent: USER_AGENT })),
    fit: (image, limit) => images.run(() => fitToUploadLimit(image, limit)),
    logger,
    clock,
    jobTimeoutMs: config.jobTimeoutMs,
    ...tuning,
  });
  const jobs = new JobService({ runner, ledger, settings, quota, refund: (reservation) => quota.refund(reservation.scope), logger, clock });
  const services: Services = { config, logger, clock, settings, quota, jobs };
  routeInteractions(client, commandMap(commands), services);

  return {
    client,
    services,
    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(config.discordToken);
      await ready;
      logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'connected to Discord');
      await registerCommands(client.rest, { applicationId: config.discordClientId, guildId: config.discordGuildId }, commands.map((c) => c.data), logger).catch(
        (error: unknown) => logger.error({ err: error }, 'command registration failed'),
      );
      const resumed = await jobs.resumeOpenJobs();
      if (resumed > 0) logger.info({ count: resumed }, 'resumed jobs from the ledger');
    },
    async stop() {
      await jobs.stop(7_000);
      await client.destroy();
    },
  };
}

function ledgerFor(storage: Storage): JobLedger {
  if (storage.sqlite) return new SqliteJobLedger(storage.sqlite);
  if (storage.redis) return new RedisJobLedger(storage.redis, storage.keyPrefix);
  throw new Error(`no job ledger for ${storage.kind}`);
}
