import { randomBytes, randomInt } from 'node:crypto';
import { createClient } from '@keyv/redis';

/** Databases the e2e tests may take whole; 0..4 are left to people and other tools. */
const FIRST_DB = 5;
const LAST_DB = 14;
const CLAIM_KEY = 'imagine-e2e:claim';
const CLAIM_SECONDS = 300;

// Takes the database only if nobody holds the claim, then empties it and keeps the claim, in one atomic step.
const CLAIM_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('FLUSHDB')
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0`;

export interface ClaimedRedisDatabase {
  /** The base URL with `/N` for the claimed database. */
  readonly url: string;
  readonly db: number;
  /** Empties the database (FLUSHDB) and closes the connection. */
  release(): Promise<void>;
}

/**
 * A whole Redis database (number 5..14, tried in random order) for processes that use the default key
 * prefix and so cannot be isolated by prefix. It is emptied when claimed and when released.
 */
export async function claimRedisDatabase(baseUrl: string): Promise<ClaimedRedisDatabase> {
  const token = randomBytes(8).toString('hex');
  const start = randomInt(FIRST_DB, LAST_DB + 1);
  const count = LAST_DB - FIRST_DB + 1;
  for (let offset = 0; offset < count; offset++) {
    const db = FIRST_DB + ((start - FIRST_DB + offset) % count);
    const url = withDatabase(baseUrl, db);
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    const claimed = await client.sendCommand(['EVAL', CLAIM_SCRIPT, '1', CLAIM_KEY, token, String(CLAIM_SECONDS)]);
    if (Number(claimed) === 1) {
      return {
        url,
        db,
        release: async () => {
          try {
            await client.sendCommand(['FLUSHDB']);
          } finally {
            await client.close();
          }
        },
      };
    }
    await client.close();
  }
  throw new Error(`every Redis database ${FIRST_DB}..${LAST_DB} is claimed by another test run`);
}

function withDatabase(baseUrl: string, db: number): string {
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
  return url.toString();
}
