import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configSecrets, loadConfig } from '../../src/config.js';
import { createLogger, secretScrubber } from '../../src/log.js';

const BOT_TOKEN = 'MTA1.bot-token.secret-part';
const KIE_KEY = 'kie-api-key-0123456789';
const INTERACTION_TOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OmFiYw';

describe('secretScrubber', () => {
  const scrub = secretScrubber([BOT_TOKEN, KIE_KEY]);

  it('replaces every occurrence of a secret in a string', () => {
    expect(scrub(`Authorization: Bot ${BOT_TOKEN}; again ${BOT_TOKEN}; key=${KIE_KEY}`)).toBe(
      'Authorization: Bot [redacted]; again [redacted]; key=[redacted]',
    );
  });

  it('leaves other values alone', () => {
    expect(scrub('nothing to see')).toBe('nothing to see');
    expect(scrub(42)).toBe(42);
    expect(scrub(null)).toBeNull();
    expect(scrub(undefined)).toBeUndefined();
    expect(scrub(true)).toBe(true);
    const buffer = Buffer.from(BOT_TOKEN);
    expect(scrub(buffer)).toBe(buffer);
  });

  it('ignores secrets too short to be worth searching for', () => {
    expect(secretScrubber(['abc'])('abc abc')).toBe('abc abc');
  });

  it('scrubs nested objects and arrays without changing the original', () => {
    const input = { outer: { inner: [`x ${KIE_KEY} y`, { deep: BOT_TOKEN }], count: 3 } };
    const snapshot = structuredClone(input);
    expect(scrub(input)).toEqual({ outer: { inner: ['x [redacted] y', { deep: '[redacted]' }], count: 3 } });
    expect(input).toEqual(snapshot);
  });

  it("scrubs an Error's message, stack and own fields", () => {
    const error = Object.assign(new Error(`request failed with key ${KIE_KEY}`), {
      url: `https://discord.com/api/v10/webhooks/123/${INTERACTION_TOKEN}`,
      status: 401,
    });
    error.name = 'KieError';
    const scrubbed = scrub(error) as Error & { url: string; status: number };
    expect(scrubbed).toBeInstanceOf(Error);
    expect(scrubbed.name).toBe('KieError');
    expect(scrubbed.message).toBe('request failed with key [redacted]');
    expect(scrubbed.stack).toContain('request failed with key [redacted]');
    expect(scrubbed.stack).not.toContain(KIE_KEY);
    expect(scrubbed.url).toBe('https://discord.com/api/v10/webhooks/123/[redacted]');
    expect(scrubbed.status).toBe(401);
    expect(error.message).toContain(KIE_KEY);
  });

  it('keeps the cause chain of an Error, scrubbed', () => {
    const inner = new Error(`connect ECONNREFUSED with ${KIE_KEY}`);
    const outer = new TypeError('fetch failed', { cause: inner });
    const scrubbed = scrub(outer) as Error;
    expect(scrubbed.cause).toBeInstanceOf(Error);
    expect((scrubbed.cause as Error).message).toBe('connect ECONNREFUSED with [redacted]');
    expect(inner.message).toContain(KIE_KEY);
  });

  it('logs dates and URLs as their JSON form, scrubbed', () => {
    const none = secretScrubber([]);
    expect(none({ at: new Date(0) })).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(none({ url: new URL(`https://discord.com/api/webhooks/9/${INTERACTION_TOKEN}`) })).toEqual({
      url: 'https://discord.com/api/webhooks/9/[redacted]',
    });
  });

  it('removes interaction tokens from webhook and interaction URLs without knowing them', () => {
    const none = secretScrubber([]);
    expect(none(`PATCH https://discord.com/api/v10/webhooks/1234567890/${INTERACTION_TOKEN}/messages/@original`)).toBe(
      'PATCH https://discord.com/api/v10/webhooks/1234567890/[redacted]/messages/@original',
    );
    expect(none(`POST /api/v10/interactions/987654321/${INTERACTION_TOKEN}/callback?with_response=true`)).toBe(
      'POST /api/v10/interactions/987654321/[redacted]/callback?with_response=true',
    );
    expect(none(`"url":"https://discord.com/api/webhooks/1/${INTERACTION_TOKEN}"`)).toBe('"url":"https://discord.com/api/webhooks/1/[redacted]"');
    expect(none({ url: `/webhooks/55/${INTERACTION_TOKEN}?wait=true` })).toEqual({ url: '/webhooks/55/[redacted]?wait=true' });
  });

  it('leaves ordinary API paths intact', () => {
    const none = secretScrubber([]);
    expect(none('/channels/123/messages')).toBe('/channels/123/messages');
    expect(none('/applications/123/commands')).toBe('/applications/123/commands');
  });
});

function collect() {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      raw.push(text);
      lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { lines, raw, destination };
}

describe('createLogger', () => {
  it('writes JSON lines with the service name and honours the level', () => {
    const { lines, destination } = collect();
    const logger = createLogger({ level: 'info', destination });
    logger.debug('hidden');
    logger.info({ jobId: 'j1' }, 'visible');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'imagine', jobId: 'j1', msg: 'visible', level: 30 });
  });

  it('redacts token and authorization fields', () => {
    const { lines, raw, destination } = collect();
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      {
        token: 'plain-token-field',
        authorization: 'Bot header-value',
        headers: { authorization: 'Bearer nested-header' },
        job: { interactionToken: 'job-token-field', id: 'j1' },
        client: { apiKey: 'client-api-key', password: 'pw-value' },
      },
      'request',
    );
    const line = lines[0] ?? {};
    expect(line.token).toBe('[redacted]');
    expect(line.authorization).toBe('[redacted]');
    expect(line.headers).toEqual({ authorization: '[redacted]' });
    expect(line.job).toEqual({ interactionToken: '[redacted]', id: 'j1' });
    expect(line.client).toEqual({ apiKey: '[redacted]', password: '[redacted]' });
    for (const value of ['plain-token-field', 'header-value', 'nested-header', 'job-token-field', 'client-api-key', 'pw-value']) {
      expect(raw.join('')).not.toContain(value);
    }
  });

  it('scrubs configured secrets from messages, fields and errors', () => {
    const { lines, raw, destination } = collect();
    const logger = createLogger({ level: 'info', secrets: [BOT_TOKEN, KIE_KEY], destination });
    logger.warn({ note: `key was ${KIE_KEY}` }, `login with ${BOT_TOKEN} failed`);
    logger.error({ err: new Error(`KIE refused key ${KIE_KEY}`) }, 'kie call failed');
    logger.error(new Error(`bare error with ${BOT_TOKEN}`));
    const text = raw.join('');
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(KIE_KEY);
    expect(lines[0]).toMatchObject({ msg: 'login with [redacted] failed', note: 'key was [redacted]' });
    const err = lines[1]?.err as { message: string; stack: string; type: string };
    expect(err.message).toBe('KIE refused key [redacted]');
    expect(err.stack).toContain('KIE refused key [redacted]');
    expect((lines[2]?.err as { message: string }).message).toBe('bare error with [redacted]');
  });

  it("prints an error's cause, which holds the real reason of 'fetch failed'", () => {
    const { lines, destination } = collect();
    const logger = createLogger({ level: 'info', secrets: [KIE_KEY], destination });
    const error = new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED 127.0.0.1:9 key ${KIE_KEY}`) });
    logger.error({ err: error }, 'request failed');
    const err = lines[0]?.err as { message: string; stack: string };
    expect(err.message).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:9 key [redacted]');
    expect(err.stack).toContain('caused by: Error: connect ECONNREFUSED');
    expect(JSON.stringify(lines)).not.toContain(KIE_KEY);
  });

  it('scrubs interaction tokens from URLs in log lines', () => {
    const { raw, lines, destination } = collect();
    const logger = createLogger({ level: 'info', destination });
    logger.warn({ url: `https://discord.com/api/v10/webhooks/1/${INTERACTION_TOKEN}/messages/@original` }, 'edit failed');
    logger.warn(`callback to /interactions/2/${INTERACTION_TOKEN}/callback failed`);
    expect(raw.join('')).not.toContain(INTERACTION_TOKEN);
    expect(lines[0]?.url).toBe('https://discord.com/api/v10/webhooks/1/[redacted]/messages/@original');
  });
});

describe('redaction at any depth', () => {
  const HMAC_KEY = 'hmac-key-abcdef-123';
  const REDIS_PASSWORD = 'hunter2-redis-pw';

  /** { a: { a: { … value … } } }, `depth` levels down. */
  function nest(depth: number, value: Record<string, unknown>): Record<string, unknown> {
    let out = value;
    for (let i = 0; i < depth; i++) out = { a: out };
    return out;
  }

  it('redacts secret-named fields however deep they sit, whatever their case', () => {
    const { raw, destination } = collect();
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      nest(12, {
        Authorization: 'Bot deep-auth-value',
        headers: { 'X-Webhook-Signature': 'deep-signature', cookie: 'deep-cookie' },
        hmacKey: 'deep-hmac',
        password: 'deep-password',
        list: [{ token: 'deep-token-in-array' }],
      }),
      'deep',
    );
    const text = raw.join('');
    for (const value of ['deep-auth-value', 'deep-signature', 'deep-cookie', 'deep-hmac', 'deep-password', 'deep-token-in-array']) expect(text).not.toContain(value);
    expect(text).toContain('"Authorization":"[redacted]"');
  });

  it('scrubs configured secrets nested deeper than the scrubber walks, instead of passing them through', () => {
    const scrub = secretScrubber([KIE_KEY]);
    const text = JSON.stringify(scrub(nest(200, { note: `key ${KIE_KEY}` })));
    expect(text).not.toContain(KIE_KEY);
    expect(JSON.stringify(scrub(nest(20, { note: `key ${KIE_KEY}` })))).toContain('key [redacted]');
  });

  it('survives circular objects', () => {
    const scrub = secretScrubber([KIE_KEY]);
    const loop: Record<string, unknown> = { note: KIE_KEY };
    loop['self'] = loop;
    expect(scrub(loop)).toEqual({ note: '[redacted]', self: '[circular]' });
  });

  it('hides the password of a redis:// (or any) URL with credentials, in strings, fields and errors', () => {
    const scrub = secretScrubber([]);
    expect(scrub(`connect to redis://default:${REDIS_PASSWORD}@10.0.0.5:6390/0 failed`)).toBe('connect to redis://default:[redacted]@10.0.0.5:6390/0 failed');
    expect(scrub({ store: { url: `rediss://:${REDIS_PASSWORD}@cache:6380` } })).toEqual({ store: { url: 'rediss://:[redacted]@cache:6380' } });
    const error = new Error('ECONNREFUSED', { cause: new Error(`redis://u:${REDIS_PASSWORD}@h:1`) });
    expect(JSON.stringify((scrub(error) as Error).cause, ['message'])).not.toContain(REDIS_PASSWORD);
    expect(scrub('https://example.com:8080/path@x and redis://host:6390')).toBe('https://example.com:8080/path@x and redis://host:6390');
  });

  it('hides Authorization credentials quoted in messages, but not ordinary words', () => {
    const scrub = secretScrubber([]);
    expect(scrub('sent Authorization: Bearer abc123.def456-ghi')).toBe('sent Authorization: Bearer [redacted]');
    expect(scrub('header Bot MTIzNDU2Nzg5.Gx1y2z.abc')).toBe('header Bot [redacted]');
    expect(scrub('Basic quality for everyone')).toBe('Basic quality for everyone');
  });

  it("scrubs every secret of the configuration: bot token, KIE key, HMAC key and the store's password", () => {
    const config = loadConfig({
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_CLIENT_ID: '123456789012345678',
      KIE_API_KEY: KIE_KEY,
      WEBHOOK_HMAC_KEY: HMAC_KEY,
      CALLBACK_URL: 'https://bot.example.com/kie/callback',
      STORAGE_URL: `redis://user:${encodeURIComponent('p@ss/word!9')}@cache:6390`,
    });
    const { raw, destination } = collect();
    const logger = createLogger({ level: 'info', secrets: configSecrets(config), destination });
    logger.info({ deep: nest(8, { text: `${BOT_TOKEN} ${KIE_KEY} ${HMAC_KEY}`, bare: 'the password is p@ss/word!9' }) }, 'everything');
    logger.error({ err: new Error(`store ${config.storageUrl} refused`) }, 'store');
    const text = raw.join('');
    for (const secret of [BOT_TOKEN, KIE_KEY, HMAC_KEY, 'p@ss/word!9', encodeURIComponent('p@ss/word!9')]) expect(text).not.toContain(secret);
  });
});
