import type { TestProject } from 'vitest/node';
import { startRedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis the tests may use (each under its own key prefix), or null when none could be had. */
    redisUrl: string | null;
  }
}

/**
 * Gives the tests a Redis that holds nobody's data: TEST_REDIS_URL when set (a Redis handed to the tests),
 * else a throwaway redis-server on a free loopback port, without persistence, stopped in teardown. It never
 * reads REDIS_URL or STORAGE_URL and never probes Redis's default port, where an owner's Redis may live. Without
 * either, the Redis tests skip, unless IMAGINE_REQUIRE_REDIS=1.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = await findTestRedis();
  if (found.url === null && process.env.IMAGINE_REQUIRE_REDIS === '1') {
    throw new Error('IMAGINE_REQUIRE_REDIS=1 but no Redis could be had (TEST_REDIS_URL is unset and redis-server did not start): the Redis tests must not skip here');
  }
  project.provide('redisUrl', found.url);
  return found.stop;
}

export async function findTestRedis(
  env: NodeJS.ProcessEnv = process.env,
  start: typeof startRedisServer = startRedisServer,
): Promise<{ url: string | null; stop: () => Promise<void> }> {
  const nothingToStop = async () => {};
  const given = env.TEST_REDIS_URL?.trim();
  if (given) return { url: given, stop: nothingToStop };
  const started = await start();
  if (started !== undefined) return started;
  console.warn(
    [
      '',
      '#'.repeat(72),
      '#  NO REDIS: TEST_REDIS_URL is unset and redis-server (from PATH) could',
      '#  not be started. The Redis integration tests are SKIPPED.',
      '#'.repeat(72),
      '',
    ].join('\n'),
  );
  return { url: null, stop: nothingToStop };
}
