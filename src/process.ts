import { fileURLToPath } from 'node:url';
import type { AppTuning } from './app-options.js';
import { createApp } from './app.js';
import { loadEnvFile } from './env-file.js';
import { ConfigError, configSecrets, loadConfig, type Config } from './config.js';
import { DiscordStartupError, explainDiscordFailure } from './discord/startup-errors.js';
import { createLogger, type Logger } from './log.js';
import { runShardManager, type ManagerHandle } from './manager.js';
import { createBotMetrics } from './ops/metrics.js';
import { startBotOps } from './ops/bot-ops.js';
import { PlacementError } from './placement/shard-leases.js';
import { shardProcessFromEnv, type ShardProcess } from './sharding.js';
import { openStorage, StorageError } from './storage/index.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * The process: configuration, then either one bot, or (SHARD_COUNT or SHARDS > 1, or a SHARD_LIST) a manager of
 * this machine's shard processes that each run this same file. Exits within 10 s of SIGINT/SIGTERM; open jobs
 * stay in the ledger for the next start.
 */
export async function runProcess(options: { tuning?: AppTuning; entryFile?: string } = {}): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  // With shards, several processes write to one stream: the pid tells their lines apart.
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, secrets: configSecrets(config) }).child({
    pid: process.pid,
  });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  const shard = shardProcessFromEnv();
  if (!shard && (config.shards !== 1 || config.shardList !== undefined)) {
    // Shards run the same entry the same way (the built bundle, or the TypeScript source under tsx).
    const entry = options.entryFile ?? process.argv[1] ?? fileURLToPath(new URL('./main.ts', import.meta.url));
    const running: { manager?: ManagerHandle } = {};
    // A signal while the shards start ends the process: the shards stop with it, and its claims lapse.
    const shutdown = onShutdownSignal(logger, async () => running.manager?.stop());
    const onLost = (reason: string) => {
      logger.error({ reason }, 'another machine runs a shard of this one: stopping so that it never runs twice');
      shutdown('shard taken over', 1);
    };
    running.manager = await runShardManager(config, logger, { file: entry, execArgv: process.execArgv }, onLost).catch((error: unknown) => {
      throw explainDiscordFailure(error, discordTarget(config));
    });
    return;
  }
  await runBot(config, logger, shard, options.tuning);
}

async function runBot(config: Config, logger: Logger, shard: ShardProcess | undefined, tuning: AppTuning | undefined): Promise<void> {
  const metrics = createBotMetrics({ processMetrics: true });
  const storage = await openStorage(config.storageUrl, {
    onError: (error) => {
      metrics.storeError('background');
      logger.warn({ err: error }, 'store error');
    },
  });
  logger.info({ store: storage.kind }, 'storage ready');
  const app = createApp({ config, logger, storage, metrics, ...(shard ? { shard } : {}), ...(tuning ? { tuning } : {}) });
  // Served before the gateway connects, so /healthz says 503 while the bot starts.
  const stopOps = await startBotOps({
    listen: config.healthPort === undefined ? undefined : { port: config.healthPort, host: config.healthHost },
    inShard: shard !== undefined,
    metrics,
    health: () => app.health(),
    logger,
  });
  const shutdown = onShutdownSignal(logger, async () => {
    await app.stop();
    await stopOps();
    await storage.close();
  });
  // A shard whose manager died would go on answering Discord beside the next manager's shards.
  if (shard) {
    if (process.connected) process.once('disconnect', () => shutdown('manager gone'));
    else shutdown('manager gone');
  }
  await app.start().catch((error: unknown) => {
    throw explainDiscordFailure(error, discordTarget(config));
  });
}

function discordTarget(config: Config): { apiUrl: string; guildId: string | undefined } {
  return { apiUrl: config.discordApiUrl, guildId: config.discordGuildId };
}

/** Stops once on SIGINT/SIGTERM; returns the trigger for other reasons to stop (exit code 0 unless given). */
function onShutdownSignal(logger: Logger, stop: () => Promise<void>): (reason: string, exitCode?: number) => void {
  let stopping = false;
  const shutdown = (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down; open jobs stay in the ledger');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    stop().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return shutdown;
}

/** One line for the operator, never a stack or a secret. */
export function reportStartupFailure(error: unknown): never {
  if (error instanceof ConfigError || error instanceof StorageError || error instanceof DiscordStartupError || error instanceof PlacementError) console.error(`imagine: ${error.message}`);
  else console.error(`imagine: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
