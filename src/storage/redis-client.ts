import type { createClient } from '@keyv/redis';

/**
 * The bot's one Redis driver type: node-redis's client, as @keyv/redis creates it. Each store takes the
 * part it uses (`Pick<RedisClient, 'sendCommand'>`), so a test can hand it a small stand-in.
 */
export type RedisClient = ReturnType<typeof createClient>;
