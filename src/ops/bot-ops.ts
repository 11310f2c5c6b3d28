import type { Logger } from '../log.js';
import type { HealthReport } from './health.js';
import type { BotMetrics } from './metrics.js';
import { startOpsServer } from './server.js';
import { answerOpsRequests } from './shards.js';

export interface BotOpsOptions {
  /** Where to serve /healthz and /metrics; undefined = nowhere (a shard never serves: its manager does). */
  listen: { port: number; host: string } | undefined;
  /** Inside a shard process: answer the manager's requests over the IPC channel instead. */
  inShard: boolean;
  metrics: BotMetrics;
  health: () => Promise<HealthReport>;
  logger: Logger;
}

/** A bot process's health and metrics: its own endpoints, or (in a shard) answers to its manager. Resolves with the stop function. */
export async function startBotOps({ listen, inShard, metrics, health, logger }: BotOpsOptions): Promise<() => Promise<void>> {
  if (inShard) {
    const stop = answerOpsRequests({ registry: metrics.registry, health });
    return async () => stop();
  }
  if (listen === undefined) return async () => {};
  const server = await startOpsServer({
    ...listen,
    health,
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    logger,
  });
  return () => server.close();
}
