import { REST, Routes, ShardingManager, type APIGatewayBotInfo } from 'discord.js';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { startConfiguredCallbackReceiver } from './callbacks/start.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { startOpsServer, type OpsServer } from './ops/server.js';
import { shardOps } from './ops/shards.js';
import { joinMachines } from './placement/machine.js';
import { allShards } from './placement/shard-list.js';
import { wakeMessage } from './sharding.js';
import { giveUp, withDeadline } from './util/deadline.js';

const SHUTDOWN_GRACE_MS = 9_000;

export interface ManagerHandle {
  stop(): Promise<void>;
}

/**
 * Runs this machine's shards (SHARD_LIST, else every one of SHARD_COUNT) as shard processes under discord.js's
 * ShardingManager. Every shard shares the store (quotas, ledger, KIE budget); on Redis the machine first claims
 * its shards there, so no shard runs on two machines, and shares the KIE callbacks it receives with the others.
 * `onLost` hears that another machine took a shard over: the caller stops this one.
 */
export async function runShardManager(
  config: Config,
  logger: Logger,
  entry: { file: string; execArgv: string[] },
  onLost: (reason: string) => void,
): Promise<ManagerHandle> {
  const totalShards = config.shards === 'auto' ? await recommendedShardCount(config) : config.shards;
  const shardList = config.shardList ?? allShards(totalShards);
  const manager = new ShardingManager(entry.file, {
    token: config.discordToken,
    totalShards,
    shardList,
    respawn: true,
    mode: 'process',
    execArgv: entry.execArgv,
  });
  manager.on('shardCreate', (shard) => {
    logger.info({ shard: shard.id, totalShards }, 'shard starting');
    shard.on('death', () => logger.warn({ shard: shard.id }, 'shard process exited'));
  });

  // Which shard runs the job is not known here; a wake for a task nobody watches is ignored.
  const wakeShards = (taskId: string) =>
    void manager.broadcast(wakeMessage(taskId)).catch((error: unknown) => logger.warn({ err: error }, 'wake broadcast failed'));
  const place = await joinMachines(config, { totalShards, shardIds: shardList, onCallback: wakeShards, onLost, logger });
  const receiver = await startConfiguredCallbackReceiver(config, logger, (taskId) => {
    wakeShards(taskId);
    place?.shareCallback(taskId);
  });
  // /healthz and /metrics cover every shard process: the manager asks each over discord.js's IPC channel.
  let ops: OpsServer | undefined;
  if (config.healthPort !== undefined) {
    const own = new Registry();
    collectDefaultMetrics({ register: own });
    const shards = shardOps(manager, { own, shardIds: shardList });
    ops = await startOpsServer({ port: config.healthPort, host: config.healthHost, health: () => shards.health(), metrics: () => shards.metrics(), logger });
  }
  await manager.spawn({ timeout: 60_000 });
  logger.info({ totalShards, shards: shardList }, 'all shards started');

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
      await withDeadline(Promise.all(exits), SHUTDOWN_GRACE_MS, giveUp);
      // Only now that the jobs are parked may a replacement machine take the shards.
      await place?.leave();
    },
  };
}

async function recommendedShardCount(config: Config): Promise<number> {
  const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
  const info = (await rest.get(Routes.gatewayBot())) as APIGatewayBotInfo;
  return Math.max(1, info.shards);
}
