/** What a server's images cost on one UTC day: images delivered and the KIE credits they consumed. */
export interface DaySpend {
  day: string;
  images: number;
  credits: number;
}

/** Per-server daily spend, kept atomically in the store (several bot processes may add at once). */
export interface SpendCounter {
  /** Counts one delivered image and the credits KIE reported for it (0 when it reported none). */
  add(guildId: string, day: string, credits: number): Promise<void>;
  /** The spend on each of `days`, in the same order (zero for a day without images). */
  days(guildId: string, days: readonly string[]): Promise<DaySpend[]>;
}

/** Spend is kept as long as the quota counters (the usage views look back 7 days). */
export const SPEND_RETENTION_DAYS = 9;

export function creditsOrZero(credits: number | null | undefined): number {
  return typeof credits === 'number' && Number.isFinite(credits) && credits > 0 ? credits : 0;
}
