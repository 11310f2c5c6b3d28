import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import type { RedisClient } from '../storage/redis-client.js';

/** KIE callbacks passed between machines: any machine may receive one, whichever watches the task acts on it. */
export interface CallbackChannel {
  /** Tells every other machine that KIE called back for the task (already verified by this one). */
  publish(taskId: string): void;
  close(): Promise<void>;
}

interface ChannelMessage {
  taskId: string;
  /** The machine that received the callback, which has woken its own watch already. */
  from: string;
}

export function callbackChannelName(keyPrefix: string): string {
  return `${keyPrefix}kie-callbacks`;
}

/**
 * Joins the Redis pub/sub channel of KIE callbacks under the key prefix: `onWake` hears the task ids other
 * machines publish. Only callbacks whose signature was checked are published; a wake is a hint to poll KIE
 * now, never a result, so a lost message only means the safety-net poll finds the result later.
 */
export async function joinCallbackChannel(options: {
  redis: RedisClient;
  keyPrefix: string;
  onWake: (taskId: string) => void;
  logger: Logger;
}): Promise<CallbackChannel> {
  const channel = callbackChannelName(options.keyPrefix);
  const self = randomBytes(8).toString('hex');
  // A subscribed connection can do nothing else: it gets one of its own (which resubscribes after a reconnect).
  const subscriber = options.redis.duplicate();
  subscriber.on('error', () => {});
  await subscriber.connect();
  await subscriber.subscribe(channel, (raw) => {
    const message = parse(raw);
    if (message !== undefined && message.from !== self) options.onWake(message.taskId);
  });
  return {
    publish(taskId) {
      options.redis.publish(channel, JSON.stringify({ taskId, from: self } satisfies ChannelMessage)).catch((error: unknown) =>
        options.logger.warn({ err: error, taskId }, 'could not pass a KIE callback on to the other machines'),
      );
    },
    async close() {
      if (subscriber.isReady) await subscriber.close();
      else subscriber.destroy();
    },
  };
}

function parse(raw: string): ChannelMessage | undefined {
  try {
    const value = JSON.parse(raw) as Partial<ChannelMessage>;
    return typeof value.taskId === 'string' && typeof value.from === 'string' ? { taskId: value.taskId, from: value.from } : undefined;
  } catch {
    return undefined;
  }
}
