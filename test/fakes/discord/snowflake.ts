const DISCORD_EPOCH = 1_420_070_400_000n;

/** Snowflakes like Discord's: ms since the Discord epoch << 22 | an increment, so ids sort by creation time. */
export class SnowflakeGenerator {
  private increment = 0n;
  constructor(private readonly wallClock: () => number = Date.now) {}

  next(): string {
    this.increment = (this.increment + 1n) & 0xfffn;
    const ms = BigInt(Math.floor(this.wallClock())) - DISCORD_EPOCH;
    return ((ms << 22n) | (1n << 17n) | this.increment).toString();
  }
}

/** The shard that receives a guild's events, per Discord's sharding formula. */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{15,21}$/.test(value);
}
