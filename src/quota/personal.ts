/**
 * A member's personal allowance (PERSONAL_DAILY) is kept as their quota in server "0", which no server is
 * (a snowflake is never 0): the same atomic reservation, refunds, ledger and history serve it in SQLite and
 * Redis alike, and no server's counters, cap, settings or log ever see it.
 */
export const PERSONAL_GUILD_ID = '0';

export const isPersonalGuild = (guildId: string): boolean => guildId === PERSONAL_GUILD_ID;
