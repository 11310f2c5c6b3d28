/**
 * Delay before the next recordInfo poll, per KIE's guidance: every 2–3 s for the first 30 s, about 5 s until
 * two minutes, then 10–15 s. The jitter keeps many jobs started together from polling in lockstep.
 */
export function pollSchedule(elapsedMs: number, random: () => number = Math.random): number {
  const [low, high] = elapsedMs < 30_000 ? [2_000, 3_000] : elapsedMs < 120_000 ? [4_500, 5_500] : [10_000, 15_000];
  return Math.round(low + random() * (high - low));
}

export interface AdaptivePollScheduleOptions {
  /** How many tasks this process is watching now (they share the poll budget). */
  watching: () => number;
  /** The poll rate the budget grants; each task gets an even share of it. */
  pollsPerSecond: number;
  /** 'callback': KIE calls back on completion, so polls are only a slow safety net. */
  mode?: 'polling' | 'callback';
  /** Pause between polls of a young task when the budget has room. */
  fastestMs?: number;
  random?: () => number;
}

/**
 * Polls young tasks as often as the shared budget allows (an even share of it per watched task, never more
 * often than fastestMs), so the time between a task finishing and the bot noticing stays short when few
 * tasks run, and the budget is not oversubscribed on average when many do (short bursts wait in its queue).
 * Tasks older than a minute fall back to KIE's slower guidance. With callbacks, polling only catches a
 * callback that never came.
 */
export function adaptivePollSchedule(options: AdaptivePollScheduleOptions): (elapsedMs: number) => number {
  const random = options.random ?? Math.random;
  const fastest = options.fastestMs ?? 750;
  return (elapsedMs) => {
    const share = (Math.max(1, options.watching()) * 1000) / options.pollsPerSecond;
    const wanted =
      options.mode === 'callback'
        ? elapsedMs < 120_000 ? 15_000 : 30_000
        : elapsedMs < 60_000 ? fastest : pollSchedule(elapsedMs, random);
    const base = Math.max(share, wanted);
    return Math.round(base * (0.85 + random() * 0.3));
  };
}
