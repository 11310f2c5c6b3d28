/** Nearest-rank percentile of a list of numbers (p in 0..100); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const round = (value: number, digits = 1): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** The middle value, or the mean of the two middle values of an even count; NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The defer target decided for this rig: relative to the floor measured in the same run, and to the naive baseline. */
export const DEFER_RATIO_TARGET = 1.25;

export interface DeferVerdict {
  /** Our defer p99 over the discord.js floor's p99. */
  ratio: number;
  withinRatio: boolean;
  /** Undefined when no naive baseline ran. */
  notAboveNaive: boolean | undefined;
}

/** Judges our defer p99 against the floor bot's (same client, no work) and the naive baseline's. */
export function deferVerdict({ oursP99, floorP99, naiveP99 }: { oursP99: number; floorP99: number; naiveP99?: number | undefined }): DeferVerdict {
  const ratio = floorP99 > 0 ? oursP99 / floorP99 : Number.POSITIVE_INFINITY;
  return {
    ratio: round(ratio, 2),
    withinRatio: ratio <= DEFER_RATIO_TARGET,
    notAboveNaive: naiveP99 === undefined ? undefined : oursP99 <= naiveP99,
  };
}
