/**
 * Delay before the next recordInfo poll, per KIE's guidance: every 2–3 s for the first 30 s, about 5 s until
 * two minutes, then 10–15 s. The jitter keeps many jobs started together from polling in lockstep.
 */
export function pollSchedule(elapsedMs: number, random: () => number = Math.random): number {
  const [low, high] = elapsedMs < 30_000 ? [2_000, 3_000] : elapsedMs < 120_000 ? [4_500, 5_500] : [10_000, 15_000];
  return Math.round(low + random() * (high - low));
}
