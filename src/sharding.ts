/** Sent from the manager process to every shard when KIE calls back for a task. */
export interface WakeMessage {
  type: 'imagine:kie-wake';
  taskId: string;
}

export function wakeMessage(taskId: string): WakeMessage {
  return { type: 'imagine:kie-wake', taskId };
}

export function isWakeMessage(value: unknown): value is WakeMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'imagine:kie-wake' &&
    typeof (value as { taskId?: unknown }).taskId === 'string'
  );
}

/** This process as one of a ShardingManager's shard processes. */
export interface ShardProcess {
  /** How many shard processes the manager runs (this one included). */
  processes: number;
}

/** Read from the variables discord.js's ShardingManager gives each shard process; undefined outside one. */
export function shardProcessFromEnv(env: NodeJS.ProcessEnv = process.env): ShardProcess | undefined {
  if (env.SHARDING_MANAGER !== 'true') return undefined;
  return { processes: Math.max(1, Number(env.SHARD_COUNT) || 1) };
}
