import type { FakeInteraction } from '../fakes/discord/index.js';

/** Discord's EPHEMERAL message flag. */
export const EPHEMERAL = 64;
export const CALLBACK_MESSAGE = 4;
export const CALLBACK_DEFERRED = 5;

/** How the bot first answered an interaction, as Discord saw it. */
export interface FirstReply {
  /** Callback type: 4 = message now, 5 = deferred ("thinking…"). */
  type: number;
  ephemeral: boolean;
  /** The message text for a type-4 answer ('' when deferred). */
  content: string;
  latencyMs: number;
  /** HTTP status the fake answered the callback with (204/200 when accepted in time). */
  status: number;
}

/** Waits for the bot's first callback to the interaction and describes it. */
export async function firstReply(interaction: FakeInteraction, timeoutMs = 5000): Promise<FirstReply> {
  const callback = await interaction.waitForResponse(timeoutMs);
  const data = (typeof callback.data === 'object' && callback.data !== null ? callback.data : {}) as { content?: unknown; flags?: unknown };
  return {
    type: callback.type,
    ephemeral: typeof data.flags === 'number' && (data.flags & EPHEMERAL) !== 0,
    content: typeof data.content === 'string' ? data.content : '',
    latencyMs: callback.latencyMs,
    status: callback.status,
  };
}

/** The q-quantile (0..1) of the values, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
