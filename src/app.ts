import { availableParallelism } from 'node:os';
import { Events, Routes, ShardClientUtil, type Client, type RESTGetCurrentApplicationResult } from 'discord.js';
import { commandData, commandMap, commands, messageCommands } from '../commands/index.js';
import { createClient, routeInteractions } from './bot.js';
import type { CallbackReceiver } from './callbacks/server.js';
import { startConfiguredCallbackReceiver } from './callbacks/start.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { closeDiscordHttpAgent, createDiscordHttpAgent } from './discord/http-agent.js';
import { interactionWebhookRest, RestReplies } from './discord/replies.js';
import { startHealthLog } from './ops/health-log.js';
import { createDownloadGuard } from './jobs/download-guard.js';
import { discardDownload, downloadAgent, downloadImage, fitToUploadLimit, sweepStaleDownloads } from './jobs/image.js';
import { historyEntryFor } from './history/history.js';
import { EditSourceStore } from './interactions/edit-sources.js';
import { MemberDefaultsStore } from './policy/member-defaults.js';
import { imageComponents } from './interactions/components/index.js';
import { createJobIntake } from './interactions/intake.js';
import { PendingAcknowledgements } from './jobs/acknowledgements.js';
import { JobCancellations } from './jobs/cancellation.js';
import { ActiveJobCap } from './jobs/member-cap.js';
import { ImageRelay } from './jobs/relay.js';
import { JobRunner, type DeliveryRecorder, type JobRunnerOptions, type Polling } from './jobs/runner.js';
import { JobService } from './jobs/service.js';
import { SetAssembly } from './jobs/set-assembly.js';
import { createSettlement } from './jobs/settlement.js';
import { CreditMonitor, imagesFor } from './kie/credit-monitor.js';
import { createModerationLog } from './moderation/mod-log.js';
import { utcDay } from './quota/day.js';
import {
  DEFAULT_USER_AGENT,
  KieClient,
  KieError,
  PollPlanner,
  safetyNetPollSchedule,
  TaskWaker,
  WaitCountingBudget,
  type RequestBudget,
} from './kie/index.js';
import type { Logger } from './log.js';
import { GuildSettingsStore } from './policy/settings-store.js';
import { checkHealth, gatewayConnected, type HealthReport } from './ops/health.js';
import { createBotMetrics, type BotMetrics } from './ops/metrics.js';
import { MembershipCheck } from './discord/membership.js';
import { OperatorPolicy, publicBotWarning } from './policy/operator.js';
import { QuotaService } from './quota/quota-service.js';
import { PriorityRoles } from './queue/priority-roles.js';
import { registerCommands } from './register.js';
import type { Services } from './services.js';
import { isWakeMessage, type ShardProcess } from './sharding.js';
import type { Storage } from './storage/index.js';
import { Semaphore } from './util/semaphore.js';

/** Timings for tests and benchmarks; production uses the defaults. None of them changes what is wired. */
export interface AppTuning
  extends Partial<Pick<JobRunnerOptions, 'progressIntervalMs' | 'firstProgressEditMs' | 'deliveryRetryDelaysMs' | 'settleRetryDelaysMs' | 'tokenLifetimeMs'>> {
  /** The poll planner's shortest pause between two polls of one task (tests with sub-second tasks). */
  pollMinIntervalMs?: number;
  /** Replaces KIE's request budgets (the naive benchmark baseline has none). */
  budgets?: { create: RequestBudget; poll: RequestBudget };
  /** The naive benchmark baseline only: defer these slash commands before any check (see RouterDeps.deferFirst). */
  deferFirst?: readonly string[];
  /** The naive benchmark baseline only: poll every task on this fixed schedule instead of the planner. */
  baselinePollSchedule?: (elapsedMs: number) => number;
  healthIntervalMs?: number;
  /** How long a DM press's membership answer is reused (default MEMBERSHIP_CACHE_MS). */
  membershipCacheMs?: number;
  /** KIE credit checks: how often, and the least time between a check and one after a 402. */
  creditCheck?: { intervalMs?: number; afterPaymentRequiredMs?: number };
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
  /** How many image relays run at once (default: one per core, 2 to 4): bounds memory when many 4K images finish together. */
  imageConcurrency?: number;
  /** Where downloaded images wait for their re-encode (default: the system's temporary folder). */
  downloadDir?: string;
  /** Set when this process is a shard of a ShardingManager: it hears KIE's callbacks from the manager and takes its part of KIE's limits. */
  shard?: ShardProcess;
  /** Where the bot counts what it does (default: a registry of its own, without the process's metrics). */
  metrics?: BotMetrics;
  tuning?: AppTuning;
}

/** How often records past the history's retention are deleted (each process does it; it is idempotent). */
const HISTORY_PRUNE_INTERVAL_MS = 6 * 60 * 60_000;

/** How often a process on Redis compares its cached server policies' versions with the store's. */
const POLICY_WATCH_INTERVAL_MS = 400;

/** The poll rate the shared budget grants (KIE allows 10 per second; the budget keeps a margin). */
const POLLS_PER_SECOND = 9;

/** Wires config, storage, KIE and Discord into a bot; nothing here reads the environment. */
export function createApp({
  config,
  logger,
  storage,
  clock = systemClock,
  imageConcurrency = defaultImageSlots(),
  downloadDir,
  shard,
  metrics = createBotMetrics(),
  tuning = {},
}: AppOptions): App {
  const { budgets: tunedBudgets, healthIntervalMs, pollMinIntervalMs, baselinePollSchedule, creditCheck, membershipCacheMs, deferFirst, ...runnerOptions } = tuning;
  const sharded = shard !== undefined;
  const processes = shard?.processes ?? 1;
  const discordHttp = createDiscordHttpAgent();
  const client = createClient(config, { sharded, http: discordHttp });
  const settings = new GuildSettingsStore(storage.kv, {
    maxMemberDaily: config.operator.maxMemberDaily,
    // Several processes share a Redis store: each sees another's change of a server's policy within a second.
    ...(storage.kind === 'redis' ? { watchIntervalMs: POLICY_WATCH_INTERVAL_MS } : {}),
    onError: (error) => logger.warn({ err: error }, 'could not check server settings for changes'),
  });
  const quota = new QuotaService({
    counter: storage.counters,
    settings,
    defaultDaily: config.quotaDaily,
    maxMemberDaily: config.operator.maxMemberDaily,
    dailyBudget: config.operator.dailyBudget,
    personalDaily: config.personalDaily,
    clock,
  });
  const operator = new OperatorPolicy(config.operator, logger);
  // On Redis every bot process shares KIE's limits; otherwise this process is the only client of the key.
  const budgets = tunedBudgets ?? storage.budgets(processes, (error) => logger.warn({ err: error }, 'KIE budget: store unavailable'));
  const createBudget = new WaitCountingBudget(budgets.create);
  const kie = new KieClient({
    baseUrl: config.kieApiUrl,
    apiKey: config.kieApiKey,
    userAgent: DEFAULT_USER_AGENT,
    createBudget,
    pollBudget: budgets.poll,
    onExchange: metrics.kieRequest,
  });
  const readCredits = async () => {
    const balance = await kie.getCredits();
    metrics.creditsRead(balance);
    return balance;
  };
  const waker = new TaskWaker();
  const { ledger } = storage;
  const settle = createSettlement({
    ledger,
    release: async (scope) => {
      await quota.refund(scope);
      metrics.unitRefunded();
    },
    logger,
  });
  const images = new Semaphore(imageConcurrency);
  // Results come from KIE's origin or a public https host, never from inside the bot's network.
  const downloadGuard = createDownloadGuard({ trustedUrl: config.kieApiUrl });
  const downloads = downloadAgent(downloadGuard);
  const relay = new ImageRelay({
    download: (url, signal) => downloadImage(url, { guard: downloadGuard, signal, dispatcher: downloads, userAgent: DEFAULT_USER_AGENT, ...(downloadDir ? { dir: downloadDir } : {}) }),
    fit: fitToUploadLimit,
    discard: discardDownload,
    imageSlot: (work) => images.run(work),
    clock,
  });
  // Shard processes share KIE's poll rate, through Redis or by taking equal parts of it. With callbacks,
  // polls are only a slow safety net; without, a planner spends them where a finished task is likeliest.
  const pollsPerSecond = POLLS_PER_SECOND / processes;
  const polling: Polling = baselinePollSchedule
    ? { schedule: baselinePollSchedule }
    : config.callbackUrl !== undefined
      ? { schedule: safetyNetPollSchedule({ watching: () => waker.watching, pollsPerSecond }) }
      : { planner: new PollPlanner({ pollsPerSecond, ...(pollMinIntervalMs !== undefined ? { minIntervalMs: pollMinIntervalMs } : {}) }) };
  const replies = new RestReplies(client.rest, interactionWebhookRest(config.discordApiUrl, discordHttp));
  const modLog = createModerationLog({
    settings,
    send: (channelId, message) => replies.sendToChannel(channelId, message),
    logger,
    localeOf: (guildId) => client.guilds.cache.get(guildId)?.preferredLocale,
  });
  const lowCredits = config.kieLowCredits;
  const credits = new CreditMonitor({
    getCredits: readCredits,
    threshold: lowCredits,
    servers: () => [...client.guilds.cache.keys()].filter((guildId) => operator.isOperatorGuild(guildId)),
    warn: (guildId, balance) => modLog.warning(guildId, (m) => m.lowCredits(balance, imagesFor(balance), lowCredits ?? 0)),
    kv: storage.kv,
    now: () => clock.now(),
    logger,
    ...creditCheck,
  });
  const deliveries: DeliveryRecorder = {
    uploading: (job, together) => storage.history.record(historyEntryFor(job, undefined, clock.now(), together)),
    async delivered(job, delivered, together) {
      const entry = historyEntryFor(job, delivered, clock.now(), together);
      metrics.delivered(clock.now() - job.createdAt);
      await storage.history.record(entry);
      void modLog.generation(entry);
      await storage.spend.add(job.guildId, utcDay(clock.now()), job.creditsConsumed ?? 0);
    },
    failed: (job) => storage.history.remove(job.id),
  };
  const cancels = new JobCancellations();
  const sets = new SetAssembly();
  const runner = new JobRunner({
    kie: {
      // A refusal for lack of credits (KIE's 402) is the moment to look at the balance.
      createTask: (input, options) =>
        kie.createTask(input, options).catch((error: unknown) => {
          if (error instanceof KieError && error.kind === 'credits') credits.paymentRequired();
          throw error;
        }),
      getTask: (taskId, options) => kie.getTask(taskId, options),
    },
    ledger,
    settle,
    relay,
    replies,
    polling,
    deliveries,
    waker,
    cancels,
    sets,
    onState: (jobId, state) => jobs.noteState(jobId, state),
    logger,
    clock,
    jobTimeoutMs: config.jobTimeoutMs,
    ...(config.callbackUrl ? { callBackUrl: config.callbackUrl } : {}),
    options: runnerOptions,
  });
  const acknowledgements = new PendingAcknowledgements();
  const jobs = new JobService({
    runner,
    ledger,
    settle,
    acknowledgements,
    sets,
    logger,
    // A restarted process knows the tasks its predecessor started: KIE still counts them, and so does the fair order.
    rememberStarted: (job) => budgets.create.rememberStart?.({ guildId: job.guildId, userId: job.userId }, job.submittedAt),
  });
  metrics.watchJobs(() => ({ inFlight: jobs.inFlight, waiting: createBudget.waiting }));
  const priorityRoles = new PriorityRoles(storage.kv);
  const startJob = createJobIntake({
    settings,
    quota,
    jobs,
    hasPriority: (guildId, roleIds) => priorityRoles.hasPriority(guildId, roleIds),
    cap: new ActiveJobCap(config.maxActivePerMember, (guildId, userId) => jobs.inFlightFor(guildId, userId)),
    settle,
    logger,
    clock,
    onDeferred: metrics.deferred,
    onRefused: (interaction, request, refusal) => {
      if (refusal.code === 'banned_word' || refusal.code === 'blocked') void modLog.refusal(interaction.guildId, interaction.user.id, request.prompt, refusal);
    },
  });
  const editSources = new EditSourceStore(storage.kv);
  const services: Services = {
    logger,
    clock,
    settings,
    quota,
    jobs,
    cancels,
    priorityRoles,
    startJob,
    history: storage.history,
    editSources,
    memberDefaults: new MemberDefaultsStore(storage.kv),
    modLog,
    credits: readCredits,
    spend: storage.spend,
    operator,
    membership: new MembershipCheck({ rest: client.rest, now: () => clock.now(), ...(membershipCacheMs === undefined ? {} : { cacheMs: membershipCacheMs }) }),
  };
  const router = routeInteractions(client, {
    commands: commandMap(commands),
    messageCommands: commandMap(messageCommands),
    components: imageComponents,
    services,
    acknowledgements,
    personalUse: config.personalDaily > 0,
    onHandled: metrics.interaction,
    ...(deferFirst ? { deferFirst: new Set(deferFirst) } : {}),
  });

  // Inside a shard, KIE's callbacks reach the manager process, which forwards them here.
  const onParentMessage = (message: unknown) => {
    if (isWakeMessage(message)) waker.wake(message.taskId);
  };
  let receiver: CallbackReceiver | undefined;
  let stopHealth: (() => void) | undefined;
  const pruneHistory = () =>
    Promise.all([
      storage.history.prune(clock.now()).then(
        (count) => {
          if (count > 0) logger.info({ count }, 'pruned images older than the history retention');
        },
        (error: unknown) => logger.warn({ err: error }, 'could not prune the image history'),
      ),
      // Expired "Edit image" sources and other kv entries past their TTL (SQLite keeps them until deleted).
      storage.pruneExpiredValues().then(
        (count) => {
          if (count > 0) logger.info({ count }, 'deleted expired stored values');
        },
        (error: unknown) => logger.warn({ err: error }, 'could not delete expired stored values'),
      ),
    ]);
  let pruneTimer: NodeJS.Timeout | undefined;

  return {
    client,
    services,
    jobs,
    metrics,
    health: () =>
      checkHealth({
        gatewayConnected: () => gatewayConnected(client),
        probeStore: () => storage.kv.get('health-probe'),
        onStoreFailure: () => metrics.storeError('health'),
      }),
    async start() {
      stopHealth = startHealthLog({ logger, intervalMs: healthIntervalMs ?? 10_000, jobsInFlight: () => jobs.inFlight });
      void pruneHistory();
      pruneTimer = setInterval(() => void pruneHistory(), HISTORY_PRUNE_INTERVAL_MS).unref();
      sweepStaleDownloads(downloadDir, undefined, clock.now()).then(
        (count) => {
          if (count > 0) logger.info({ count }, 'deleted downloads left by an earlier process');
        },
        (error: unknown) => logger.warn({ err: error }, 'could not look for stale downloads'),
      );
      if (sharded) process.on('message', onParentMessage);
      else receiver = await startConfiguredCallbackReceiver(config, logger, (taskId) => waker.wake(taskId));
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(config.discordToken);
      await ready;
      const shardIds = client.shard?.ids ?? [0];
      const shardCount = client.shard?.count ?? 1;
      logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size, shards: shardIds, shardCount }, 'connected to Discord');
      if (shardIds.includes(0)) {
        await warnIfPublicAndUnlimited(client, config, logger);
        await registerCommands(client.rest, { applicationId: config.discordClientId, guildId: config.discordGuildId }, commandData({ personal: config.personalDaily > 0 }), logger).catch(
          (error: unknown) => logger.error({ err: error }, 'command registration failed'),
        );
      }
      // Each shard finishes the jobs of its own guilds; a job of another shard is left to that shard.
      credits.start();
      const resumed = await jobs.resume((job) => shardIds.includes(ShardClientUtil.shardIdForGuildId(job.guildId, shardCount)));
      if (resumed > 0) logger.info({ count: resumed }, 'resumed jobs from the ledger');
    },
    async stop() {
      process.off('message', onParentMessage);
      router.stopAccepting();
      await jobs.stop(7_000);
      await receiver?.close();
      stopHealth?.();
      clearInterval(pruneTimer);
      credits.stop();
      settings.close();
      await client.destroy();
      await closeDiscordHttpAgent(discordHttp);
      await downloads.close();
    },
  };
}

/** One warn line at start when anyone could add the bot and spend the operator's KIE credit. */
async function warnIfPublicAndUnlimited(client: Client, config: Config, logger: Logger): Promise<void> {
  try {
    const application = (await client.rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult;
    const warning = publicBotWarning(application, config.operator);
    if (warning !== undefined) logger.warn({ botPublic: true }, warning);
  } catch (error) {
    logger.warn({ err: error }, 'could not read the application to check whether it is public');
  }
}

/**
 * Image relays run in parallel with one per core, at least two so that one relay's upload (network wait)
 * overlaps another's re-encode (CPU); each 4K relay holds 30–50 MB, so more slots would only add memory.
 */
function defaultImageSlots(): number {
  return Math.max(2, Math.min(4, availableParallelism()));
}
