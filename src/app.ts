import { ShardClientUtil } from 'discord.js';
import { commandMap, commands, messageCommands } from '../commands/index.js';
import { createClient, routeInteractions } from './bot.js';
import type { CallbackReceiver } from './callbacks/server.js';
import { startConfiguredCallbackReceiver } from './callbacks/start.js';
import type { App, AppOptions } from './app-options.js';
import { systemClock } from './clock.js';
import { connectToDiscord } from './connect.js';
import { closeDiscordHttpAgent, createDiscordHttpAgent } from './discord/http-agent.js';
import { MembershipCheck } from './discord/membership.js';
import { interactionWebhookRest, RestReplies } from './discord/replies.js';
import { EditSourceStore } from './interactions/edit-sources.js';
import { MemberDefaultsStore } from './policy/member-defaults.js';
import { imageComponents } from './interactions/components/index.js';
import { createJobIntake } from './interactions/intake.js';
import { createJobEngine } from './jobs/engine.js';
import { ActiveJobCap } from './jobs/member-cap.js';
import { CreditMonitor, imagesFor } from './kie/credit-monitor.js';
import { DEFAULT_USER_AGENT, KieClient, tunedKieBudgets } from './kie/index.js';
import { createModerationLog } from './moderation/mod-log.js';
import { startHealthLog } from './ops/health-log.js';
import { checkHealth, gatewayConnected } from './ops/health.js';
import { startHousekeeping } from './ops/housekeeping.js';
import { createBotMetrics } from './ops/metrics.js';
import { OperatorPolicy } from './policy/operator.js';
import { GuildSettingsStore } from './policy/settings-store.js';
import { PriorityRoles } from './queue/priority-roles.js';
import { QuotaService } from './quota/quota-service.js';
import type { Services } from './services.js';
import { isWakeMessage } from './sharding.js';

/** Builds the bot's parts from config and storage and connects them; nothing here reads the environment or decides. */
export function createApp({ config, logger, storage, clock = systemClock, imageConcurrency, downloadDir, shard, metrics = createBotMetrics(), tuning = {} }: AppOptions): App {
  const { kieBudgets, healthIntervalMs, polling, creditCheck, membershipCacheMs, deferFirst, ...runnerOptions } = tuning;
  const processes = shard?.processes ?? 1;
  const discordHttp = createDiscordHttpAgent();
  const client = createClient(config, { sharded: shard !== undefined, http: discordHttp });
  const settings = new GuildSettingsStore(storage.kv, {
    maxMemberDaily: config.operator.maxMemberDaily,
    sharedWithOtherProcesses: storage.kind === 'redis',
    onError: (error) => logger.warn({ err: error }, 'could not check server settings for changes'),
  });
  const { maxMemberDaily, dailyBudget } = config.operator;
  const quota = new QuotaService({ counter: storage.counters, settings, defaultDaily: config.quotaDaily, maxMemberDaily, dailyBudget, personalDaily: config.personalDaily, clock });
  const operator = new OperatorPolicy(config.operator, logger);
  // On Redis every bot process shares KIE's limits; otherwise this process is the only client of the key.
  const budgets = tunedKieBudgets(kieBudgets, () => storage.budgets(processes, (error) => logger.warn({ err: error }, 'KIE budget: store unavailable')));
  const kie = new KieClient({
    baseUrl: config.kieApiUrl,
    apiKey: config.kieApiKey,
    userAgent: DEFAULT_USER_AGENT,
    createBudget: budgets.create,
    pollBudget: budgets.poll,
    onExchange: metrics.kieRequest,
    onPaymentRequired: () => credits.paymentRequired(),
  });
  const readCredits = () => kie.getCredits().then((balance) => (metrics.creditsRead(balance), balance));
  const replies = new RestReplies(client.rest, interactionWebhookRest(config.discordApiUrl, discordHttp));
  const modLog = createModerationLog({
    settings,
    send: (channelId, message) => replies.sendToChannel(channelId, message),
    logger,
    localeOf: (guildId) => client.guilds.cache.get(guildId)?.preferredLocale,
  });
  const credits = new CreditMonitor({
    getCredits: readCredits,
    threshold: config.kieLowCredits,
    servers: () => operator.lowCreditServers(client.guilds.cache.keys()),
    warn: (guildId, balance) => modLog.warning(guildId, (m) => m.lowCredits(balance, imagesFor(balance), config.kieLowCredits ?? 0)),
    kv: storage.kv,
    now: () => clock.now(),
    logger,
    ...creditCheck,
  });
  const engine = createJobEngine({ config, storage, kie, createBudget: budgets.create, quota, replies, modLog, metrics, logger, clock, processes, downloadDir, polling, runnerOptions, imageSlots: imageConcurrency });
  const { jobs, settle, waker, cancels, acknowledgements } = engine;
  metrics.watchJobs(() => ({ inFlight: jobs.inFlight, waiting: budgets.create.queued, pollsWaiting: engine.pollsWaiting() }));
  const priorityRoles = new PriorityRoles(storage.kv);
  const cap = new ActiveJobCap(config.maxActivePerMember, (guildId, userId) => jobs.inFlightFor(guildId, userId));
  const startJob = createJobIntake({
    settings,
    quota,
    jobs,
    cap,
    settle,
    logger,
    clock,
    onDeferred: metrics.deferred,
    hasPriority: (guildId, roleIds) => priorityRoles.hasPriority(guildId, roleIds),
    onRefused: (interaction, request, refusal) => void modLog.refusal(interaction.guildId, interaction.user.id, request.prompt, refusal),
  });
  const membership = new MembershipCheck({ rest: client.rest, now: () => clock.now(), ...(membershipCacheMs === undefined ? {} : { cacheMs: membershipCacheMs }) });
  const { history, spend } = storage;
  const services: Services = { logger, clock, settings, quota, jobs, cancels, priorityRoles, startJob, history, modLog, spend, operator, membership, credits: readCredits, editSources: new EditSourceStore(storage.kv), memberDefaults: new MemberDefaultsStore(settings) };
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
  const stops: (() => void)[] = [];
  return {
    client,
    services,
    jobs,
    metrics,
    health: () =>
      checkHealth({ gatewayConnected: () => gatewayConnected(client), probeStore: () => storage.kv.get('health-probe'), onStoreFailure: () => metrics.storeError('health') }),
    async start() {
      stops.push(startHealthLog({ logger, intervalMs: healthIntervalMs ?? 10_000, jobsInFlight: () => jobs.inFlight }));
      stops.push(startHousekeeping({ history: storage.history, storage, downloadDir, clock, logger }));
      if (shard) process.on('message', onParentMessage);
      else receiver = await startConfiguredCallbackReceiver(config, logger, (taskId) => waker.wake(taskId));
      const { shardIds, shardCount } = await connectToDiscord(client, config, logger);
      credits.start();
      // Each shard finishes the jobs of its own guilds; a job of another shard is left to that shard.
      const resumed = await jobs.resume((job) => shardIds.includes(ShardClientUtil.shardIdForGuildId(job.guildId, shardCount)));
      if (resumed > 0) logger.info({ count: resumed }, 'resumed jobs from the ledger');
    },
    async stop() {
      process.off('message', onParentMessage);
      router.stopAccepting();
      await jobs.stop(7_000);
      await receiver?.close();
      for (const stop of stops) stop();
      credits.stop();
      settings.close();
      await client.destroy();
      await closeDiscordHttpAgent(discordHttp);
      await engine.close();
    },
  };
}
