import { hostname } from 'node:os';
import { joinCallbackChannel, type CallbackChannel } from '../callbacks/wake-channel.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { connectRedis, redisCloser } from '../storage/redis.js';
import { DEFAULT_KEY_PREFIX } from '../storage/types.js';
import { ShardLeases } from './shard-leases.js';

/** This machine among the others that share its Redis: its shards claimed, and KIE's callbacks shared. */
export interface MachinePlace {
  /** Tells the other machines that KIE called back for a task. */
  shareCallback(taskId: string): void;
  /** Leaves the callback channel and releases the shards (call once the shard processes have stopped). */
  leave(): Promise<void>;
}

export interface JoinOptions {
  totalShards: number;
  shardIds: readonly number[];
  /** A callback another machine received. */
  onCallback: (taskId: string) => void;
  /** Another machine took a shard over: this machine must stop running it. */
  onLost: (reason: string) => void;
  logger: Logger;
  keyPrefix?: string;
}

/**
 * Takes this machine's place on the shared Redis: claims its shards (refusing, with a PlacementError, shards
 * a live machine runs) and joins the callback channel. On SQLite there is one machine and nothing to share.
 */
export async function joinMachines(config: Config, options: JoinOptions): Promise<MachinePlace | undefined> {
  const { logger, shardIds, totalShards } = options;
  if (!/^rediss?:\/\//.test(config.storageUrl)) {
    logger.warn('several shards on SQLite: quotas and the ledger stay consistent, but each shard gets only its share of KIE limits; use Redis');
    return undefined;
  }
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const machineId = config.machineId ?? defaultMachineId();
  const redis = await connectRedis(config.storageUrl);
  const closeRedis = redisCloser(redis);
  const leases = new ShardLeases({
    redis,
    keyPrefix,
    machineId,
    totalShards,
    shardIds,
    logger,
    onLost: (shardId, machine) => options.onLost(`shard ${shardId} was taken over by machine "${machine}" while this one could not refresh its claim`),
  });
  let channel: CallbackChannel;
  try {
    await leases.claim();
    channel = await joinCallbackChannel({ redis, keyPrefix, onWake: options.onCallback, logger });
  } catch (error) {
    await leases.release().catch(() => {});
    await closeRedis();
    throw error;
  }
  logger.info({ machine: machineId, shards: shardIds, totalShards }, 'shards claimed for this machine');
  return {
    shareCallback: (taskId) => channel.publish(taskId),
    async leave() {
      await channel.close().catch((error: unknown) => logger.warn({ err: error }, 'could not leave the callback channel'));
      await leases.release().catch((error: unknown) => logger.warn({ err: error }, 'could not release the shard claims; they lapse by themselves'));
      await closeRedis();
    },
  };
}

/** The host name, in the characters MACHINE_ID allows. */
function defaultMachineId(): string {
  return hostname().replace(/[^\w.-]/g, '-').slice(0, 64) || 'machine';
}
