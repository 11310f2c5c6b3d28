/**
 * Delay before the next recordInfo poll, per KIE's guidance: every 2–3 s for the first 30 s, about 5 s until
 * two minutes, then 10–15 s. The jitter keeps many jobs started together from polling in lockstep.
 */
export function pollSchedule(elapsedMs: number, random: () => number = Math.random): number {
  const [low, high] = elapsedMs < 30_000 ? [2_000, 3_000] : elapsedMs < 120_000 ? [4_500, 5_500] : [10_000, 15_000];
  return Math.round(low + random() * (high - low));
}

export interface SafetyNetPollScheduleOptions {
  /** How many tasks this process is watching now (they share the poll budget). */
  watching: () => number;
  /** The poll rate the budget grants; each task gets no more than an even share of it. */
  pollsPerSecond: number;
  random?: () => number;
}

/**
 * The polls of callback mode: KIE calls back on completion, so polling only catches a callback that never
 * came, every 15 s for two minutes and every 30 s after, ±15 % so tasks started together do not poll in
 * lockstep. However many tasks are watched, each takes no more than an even share of the poll budget.
 */
export function safetyNetPollSchedule(options: SafetyNetPollScheduleOptions): (elapsedMs: number) => number {
  const random = options.random ?? Math.random;
  return (elapsedMs) => {
    const share = (Math.max(1, options.watching()) * 1000) / options.pollsPerSecond;
    const wanted = elapsedMs < 120_000 ? 15_000 : 30_000;
    return Math.round(Math.max(share, wanted) * (0.85 + random() * 0.3));
  };
}
