import type { Shard, ShardingManager } from 'discord.js';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import type { HealthReport } from './health.js';
import type { HealthAnswer, MetricsText } from './server.js';

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Sent by the manager to a shard process over discord.js's shard IPC channel. */
interface OpsRequest {
  type: 'imagine:ops-request';
  id: number;
  what: 'metrics' | 'health';
}

/** A shard's answer to one OpsRequest. */
interface OpsReply {
  type: 'imagine:ops-reply';
  id: number;
  metrics?: MetricsJson;
  health?: HealthReport;
  error?: string;
}

function isRequest(value: unknown): value is OpsRequest {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'imagine:ops-request';
}

function isReply(value: unknown): value is OpsReply {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'imagine:ops-reply';
}

/**
 * Inside a shard process: answers the manager's requests for this process's metrics and health. Returns
 * the function that stops answering.
 */
export function answerOpsRequests({ registry, health }: { registry: Registry; health: () => Promise<HealthReport> }): () => void {
  const onMessage = (message: unknown) => {
    if (!isRequest(message)) return;
    const payload: Promise<Partial<OpsReply>> =
      message.what === 'metrics' ? registry.getMetricsAsJSON().then((metrics) => ({ metrics })) : health().then((report) => ({ health: report }));
    void payload
      .catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }))
      .then((answer) => {
        if (process.connected) process.send?.({ type: 'imagine:ops-reply', id: message.id, ...answer } satisfies OpsReply);
      });
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}

/** One shard's part of the manager's /healthz. */
export type ShardHealth = { shard: number } & (HealthReport | { status: 'unavailable'; error: string });

export interface ShardOps {
  /** 200 only when every one of the manager's shards answers and is healthy itself. */
  health(): Promise<HealthAnswer & { shards: ShardHealth[]; failing: string[] }>;
  /** The metrics of the manager and of every shard that answers, summed (prom-client's AggregatorRegistry). */
  metrics(): Promise<MetricsText>;
}

/**
 * The manager's view of its shard processes for /healthz and /metrics: each shard is asked over the
 * ShardingManager's IPC channel and has `timeoutMs` to answer.
 */
export function shardOps(manager: ShardingManager, { own, shardIds, timeoutMs = 2_000 }: { own: Registry; shardIds: readonly number[]; timeoutMs?: number }): ShardOps {
  let nextId = 0;
  const ask = <K extends 'metrics' | 'health'>(shard: Shard, what: K): Promise<NonNullable<OpsReply[K]>> =>
    new Promise((resolve, reject) => {
      const id = (nextId += 1);
      const done = () => {
        clearTimeout(timer);
        shard.off('message', onMessage);
      };
      const onMessage = (message: unknown) => {
        if (!isReply(message) || message.id !== id) return;
        done();
        const value = message[what];
        if (value === undefined) reject(new Error(message.error ?? 'empty answer'));
        else resolve(value as NonNullable<OpsReply[K]>);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      shard.on('message', onMessage);
      if (!shard.process?.connected) {
        done();
        reject(new Error('process not running'));
        return;
      }
      shard.send({ type: 'imagine:ops-request', id, what } satisfies OpsRequest).catch((error: unknown) => {
        done();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });

  return {
    async health() {
      const shards: ShardHealth[] = await Promise.all(
        shardIds.map(async (id): Promise<ShardHealth> => {
          const shard = manager.shards.get(id);
          if (!shard) return { shard: id, status: 'unavailable', error: 'not started' };
          try {
            return { shard: id, ...(await ask(shard, 'health')) };
          } catch (error) {
            return { shard: id, status: 'unavailable', error: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
      const failing = shards.flatMap((report) =>
        report.status === 'ok' ? [] : 'failing' in report ? report.failing.map((check) => `shard ${report.shard}: ${check}`) : [`shard ${report.shard}: ${report.error}`],
      );
      return { status: failing.length === 0 ? 'ok' : 'unavailable', shards, failing };
    },
    async metrics() {
      const answers = await Promise.allSettled([...manager.shards.values()].map((shard) => ask(shard, 'metrics')));
      const parts = [await own.getMetricsAsJSON(), ...answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []))];
      const aggregated = AggregatorRegistry.aggregate(parts);
      return { contentType: aggregated.contentType, body: await aggregated.metrics() };
    },
  };
}
