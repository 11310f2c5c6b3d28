const DAY_MS = 86_400_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC calendar day of an instant, as 'YYYY-MM-DD'. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The first millisecond of the UTC day after the one containing `ms`. */
export function nextUtcMidnight(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS + DAY_MS;
}

/** The `n` UTC days ending with the one containing `ms`, today first. */
export function lastDays(ms: number, n: number): string[] {
  return Array.from({ length: Math.max(0, n) }, (_, index) => utcDay(ms - index * DAY_MS));
}

/** Shifts a 'YYYY-MM-DD' day by whole days (negative goes back). */
export function addDays(day: string, days: number): string {
  if (!DAY_PATTERN.test(day)) throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}
