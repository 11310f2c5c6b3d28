/** Which shard receives a guild's events, as Discord computes it. */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

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
