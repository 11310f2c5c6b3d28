import { describe, expect, it } from 'vitest';
import { fromSchedule, jitteredBackoff, retrying } from '../../src/util/retry.js';

describe('retrying', () => {
  it('retries with the waits `next` chooses until the work succeeds', async () => {
    const waits: number[] = [];
    const result = await retrying(
      async (attempt) => {
        if (attempt < 3) throw new Error(`failure ${attempt}`);
        return `done on ${attempt}`;
      },
      { next: (_error, attempt) => attempt * 100, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('done on 3');
    expect(waits).toEqual([100, 200]);
  });

  it('throws the failure `next` gives up on, without waiting', async () => {
    const waits: number[] = [];
    const seen: string[] = [];
    const failure = retrying(
      async (attempt) => {
        throw new Error(attempt === 1 ? 'transient' : 'permanent');
      },
      {
        next: (error) => {
          seen.push((error as Error).message);
          return (error as Error).message === 'transient' ? 5 : undefined;
        },
        sleep: async (ms) => void waits.push(ms),
      },
    );
    await expect(failure).rejects.toThrow('permanent');
    expect(seen).toEqual(['transient', 'permanent']);
    expect(waits).toEqual([5]);
  });

  it('stops when the signal aborts the wait', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const failure = retrying(
      async () => {
        attempts += 1;
        controller.abort(new Error('shutting down'));
        throw new Error('transient');
      },
      { next: () => 60_000, signal: controller.signal },
    );
    await expect(failure).rejects.toThrow('shutting down');
    expect(attempts).toBe(1);
  });
});

describe('backoff', () => {
  it('doubles the cap up to the maximum, with full jitter', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 300 };
    expect([1, 2, 3, 4].map((attempt) => jitteredBackoff(policy, attempt, () => 0.5))).toEqual([50, 100, 150, 150]);
    expect(jitteredBackoff(policy, 2, () => 0)).toBe(0);
  });

  it('walks a fixed schedule and repeats its last wait', () => {
    expect([1, 2, 3, 4].map((attempt) => fromSchedule([2_000, 5_000, 15_000], attempt))).toEqual([2_000, 5_000, 15_000, 15_000]);
  });
});
