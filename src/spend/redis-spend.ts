import type { RedisClient } from '../storage/redis-client.js';
import { creditsOrZero, SPEND_RETENTION_DAYS, type DaySpend, type SpendCounter } from './spend.js';

const RETENTION_SECONDS = String(SPEND_RETENTION_DAYS * 86_400);

// One script, so both fields and the expiry change together whatever else runs on the connection.
const ADD_SCRIPT = `
redis.call('HINCRBY', KEYS[1], 'images', 1)
redis.call('HINCRBYFLOAT', KEYS[1], 'credits', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Spend as one Redis hash per server-day (`${prefix}spend:${guildId}:${day}`: images, credits). */
export class RedisSpendCounter implements SpendCounter {
  constructor(
    private readonly client: Pick<RedisClient, 'sendCommand'>,
    private readonly keyPrefix: string,
  ) {}

  async add(guildId: string, day: string, credits: number): Promise<void> {
    await this.client.sendCommand(['EVAL', ADD_SCRIPT, '1', this.key(guildId, day), String(creditsOrZero(credits)), RETENTION_SECONDS]);
  }

  async days(guildId: string, days: readonly string[]): Promise<DaySpend[]> {
    return Promise.all(
      days.map(async (day) => {
        const reply = (await this.client.sendCommand(['HMGET', this.key(guildId, day), 'images', 'credits'])) as Array<string | null>;
        return { day, images: Number(reply[0] ?? 0), credits: Number(reply[1] ?? 0) };
      }),
    );
  }

  private key(guildId: string, day: string): string {
    return `${this.keyPrefix}spend:${guildId}:${day}`;
  }
}
