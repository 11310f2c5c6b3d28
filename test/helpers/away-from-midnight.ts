import { nextUtcMidnight } from '../../src/quota/day.js';

/** Longer than the longest test (120 s): a test that starts this far from midnight ends on its day. */
export const MIDNIGHT_MARGIN_MS = 150_000;

/**
 * Quotas count per UTC day, so a test that straddles midnight would see its units split over two days.
 * Waits, when midnight is nearer than the margin, until it has passed; otherwise resolves at once.
 * Resolves to how long it waited.
 */
export async function awayFromMidnight(
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<unknown> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  marginMs = MIDNIGHT_MARGIN_MS,
): Promise<number> {
  const start = now();
  const untilMidnight = nextUtcMidnight(start) - start;
  if (untilMidnight > marginMs) return 0;
  // A second past midnight: clock skew between this process and a child bot is well under that.
  await sleep(untilMidnight + 1000);
  return untilMidnight + 1000;
}
