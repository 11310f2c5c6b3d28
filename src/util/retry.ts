import { sleep as defaultSleep, type Sleep } from './sleep.js';

export interface RetryOptions {
  /**
   * Called with each failure and the number of attempts made so far: the wait before the next attempt, or
   * undefined to give up (the failure is then thrown as is).
   */
  next: (error: unknown, attempt: number) => number | undefined;
  sleep?: Sleep;
  /** Aborts the wait between attempts (the sleep rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
}

/** Runs `work` until it succeeds or `next` gives up; the one retry loop of the code base. */
export async function retrying<T>(work: (attempt: number) => Promise<T>, { next, sleep = defaultSleep, signal }: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      const wait = next(error, attempt);
      if (wait === undefined) throw error;
      await sleep(wait, signal);
    }
  }
}

export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Capped exponential backoff: min(max, base × 2^(attempt−1)), attempt counting from 1. */
export function exponentialBackoff(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/** Capped exponential backoff with full jitter: a random wait below the exponential one. */
export function jitteredBackoff(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * exponentialBackoff(policy, attempt));
}

/** The wait after `attempt` failures from a fixed list; the last one repeats. */
export function fromSchedule(delaysMs: readonly number[], attempt: number): number {
  return delaysMs[Math.min(attempt, delaysMs.length) - 1] ?? 0;
}
