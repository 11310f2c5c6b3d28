import { REST, Routes, ShardingManager, type APIGatewayBotInfo } from 'discord.js';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { startConfiguredCallbackReceiver } from './callbacks/start.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { startOpsServer, type OpsServer } from './ops/server.js';
import { shardOps } from './ops/shards.js';
import { wakeMessage } from './sharding.js';

const SHUTDOWN_GRACE_MS = 9_000;

export interface ManagerHandle {
  stop(): Promise<void>;
}

/**
 * Runs the bot as several shard processes under discord.js's ShardingManager. Every shard shares the store
 * (quotas, ledger, KIE budget) and the manager owns the one thing that cannot be shared: the callback port.
 */
export async function runShardManager(config: Config, logger: Logger, entry: { file: string; execArgv: string[] }): Promise<ManagerHandle> {
  const totalShards = config.shards === 'auto' ? await recommendedShardCount(config) : config.shards;
  if (!config.storageUrl.startsWith('redis')) {
    logger.warn('several shards on SQLite: quotas and the ledger stay consistent, but each shard gets only its share of KIE limits; use Redis');
  }
  const manager = new ShardingManager(entry.file, {
    token: config.discordToken,
    totalShards,
    respawn: true,
    mode: 'process',
    execArgv: entry.execArgv,
  });
  manager.on('shardCreate', (shard) => {
    logger.info({ shard: shard.id, totalShards }, 'shard starting');
    shard.on('death', () => logger.warn({ shard: shard.id }, 'shard process exited'));
  });

  // Which shard runs the job is not known here; a wake for a task nobody watches is ignored.
  const receiver = await startConfiguredCallbackReceiver(config, logger, (taskId) =>
    void manager.broadcast(wakeMessage(taskId)).catch((error: unknown) => logger.warn({ err: error }, 'wake broadcast failed')),
  );
  // /healthz and /metrics cover every shard process: the manager asks each over discord.js's IPC channel.
  let ops: OpsServer | undefined;
  if (config.healthPort !== undefined) {
    const own = new Registry();
    collectDefaultMetrics({ register: own });
    const shards = shardOps(manager, { own, shardCount: () => totalShards });
    ops = await startOpsServer({ port: config.healthPort, host: config.healthHost, health: () => shards.health(), metrics: () => shards.metrics(), logger });
  }
  await manager.spawn({ timeout: 60_000 });
  logger.info({ totalShards }, 'all shards started');

  return {
    async stop() {
      manager.respawn = false;
      await receiver?.close();
      await ops?.close();
      const exits = [...manager.shards.values()].map(
        (shard) =>
          new Promise<void>((resolve) => {
            const child = shard.process;
            if (!child || child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      );
      await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
    },
  };
}

async function recommendedShardCount(config: Config): Promise<number> {
  const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
  const info = (await rest.get(Routes.gatewayBot())) as APIGatewayBotInfo;
  return Math.max(1, info.shards);
}
