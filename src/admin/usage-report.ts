import type { QuotaView } from '../messages.js';
import type { DaySpend } from '../spend/spend.js';

const TOP = 10;

const images = (n: number): string => `${n} ${n === 1 ? 'image' : 'images'}`;

export function formatMemberUsage(userId: string, days: readonly { day: string; used: number }[], today: QuotaView): string {
  const week = days.reduce((sum, day) => sum + day.used, 0);
  const daily = days.map((day) => `${day.day}: ${day.used}`).join(' · ');
  return [
    `**Usage of <@${userId}>**`,
    `Today: ${today.used}/${today.limit}`,
    `Last ${days.length} days: ${images(week)}`,
    daily,
  ].join('\n');
}

export interface GuildUsageView {
  days: readonly { day: string; total: number }[];
  topToday: readonly { userId: string; used: number }[];
  topWeek: readonly { userId: string; used: number }[];
}

const credits = (n: number): string => `${Number.isInteger(n) ? n : n.toFixed(1)} credits`;

/** The server's usage, and what it cost: images delivered and KIE credits consumed per day (today first). */
export function formatGuildUsage(usage: GuildUsageView, spend: readonly DaySpend[] = []): string {
  const today = usage.days[0]?.total ?? 0;
  const week = usage.days.reduce((sum, day) => sum + day.total, 0);
  const ranking = (rows: GuildUsageView['topToday']) =>
    rows.length === 0 ? 'nobody yet' : rows.slice(0, TOP).map((row, index) => `${index + 1}. <@${row.userId}>: ${row.used}`).join('\n');
  return [
    `**Server usage**`,
    `Today: ${images(today)} · last ${usage.days.length} days: ${images(week)}`,
    usage.days.map((day) => `${day.day}: ${day.total}`).join(' · '),
    ...(spend.length === 0
      ? []
      : [
          `**Spend** (delivered images · KIE credits): last ${spend.length} days ${images(spend.reduce((sum, day) => sum + day.images, 0))} · ${credits(spend.reduce((sum, day) => sum + day.credits, 0))}`,
          spend.map((day) => `${day.day}: ${day.images} · ${credits(day.credits)}`).join('\n'),
        ]),
    `**Top members today**\n${ranking(usage.topToday)}`,
    `**Top members, last ${usage.days.length} days**\n${ranking(usage.topWeek)}`,
  ].join('\n');
}
