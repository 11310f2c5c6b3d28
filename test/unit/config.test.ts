import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDiscordConfig } from '../../src/config.js';

const SECRET_TOKEN = 'super-secret-value';
const SECRET_KEY = 'kie-secret-key-123';

const required = { DISCORD_TOKEN: SECRET_TOKEN, DISCORD_CLIENT_ID: '123456789012345678', KIE_API_KEY: SECRET_KEY };

function errorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

function expectOneLineNaming(error: ConfigError, name: string): void {
  expect(error.message).toMatch(new RegExp(`^${name} is (missing|invalid)`));
  expect(error.message).not.toMatch(/[\r\n]/);
  expect(error.message).not.toContain(SECRET_TOKEN);
  expect(error.message).not.toContain(SECRET_KEY);
}

describe('loadConfig', () => {
  it('fills every optional setting with its default', () => {
    expect(loadConfig({ ...required })).toEqual({
      discordToken: SECRET_TOKEN,
      discordClientId: '123456789012345678',
      kieApiKey: SECRET_KEY,
      discordGuildId: undefined,
      discordApiUrl: 'https://discord.com/api',
      kieApiUrl: 'https://api.kie.ai',
      storageUrl: 'sqlite://data/bot.sqlite',
      quotaDaily: 10,
      jobTimeoutMs: 600_000,
      maxActivePerMember: 4,
      personalDaily: 0,
      logLevel: 'info',
      logFormat: 'json',
      callbackUrl: undefined,
      callbackPort: 8080,
      callbackHost: '127.0.0.1',
      webhookHmacKey: undefined,
      shards: 1,
      healthPort: undefined,
      healthHost: '127.0.0.1',
      operator: { allowedGuilds: undefined, operatorGuilds: undefined, dailyBudget: undefined, maxMemberDaily: undefined },
    });
  });

  it('reports every problem of the environment in one error, in the documented order, without values', () => {
    const error = errorFor({ DISCORD_TOKEN: SECRET_TOKEN, QUOTA_DAILY: 'lots', LOG_LEVEL: 'loud', HEALTH_PORT: '0', LOG_FORMAT: 'fancy' });
    expect(error.problems).toEqual([
      'DISCORD_CLIENT_ID is missing: set it in the environment or .env',
      expect.stringMatching(/^LOG_LEVEL is invalid: expected one of fatal, error/),
      'LOG_FORMAT is invalid: expected one of json, pretty',
      'KIE_API_KEY is missing: set it in the environment or .env',
      expect.stringMatching(/^QUOTA_DAILY is invalid: expected a whole number/),
      'HEALTH_PORT is invalid: expected a port number',
    ]);
    expect(error.message.split('\n')).toEqual(['6 problems in the configuration:', ...error.problems.map((line) => `  - ${line}`)]);
    for (const value of [SECRET_TOKEN, 'lots', 'loud', 'fancy']) expect(error.message).not.toContain(value);
  });

  it('reads the health endpoint and the log format', () => {
    expect(loadConfig({ ...required, HEALTH_PORT: '9464', HEALTH_HOST: '0.0.0.0', LOG_FORMAT: 'pretty' })).toMatchObject({
      healthPort: 9464,
      healthHost: '0.0.0.0',
      logFormat: 'pretty',
    });
    expect(() => loadConfig({ ...required, HEALTH_PORT: '70000' })).toThrow(/^HEALTH_PORT is invalid/);
    expect(() => loadConfig({ ...required, HEALTH_HOST: 'a b' })).toThrow(/^HEALTH_HOST is invalid/);
  });

  it('reads the operator limits; OPERATOR_GUILDS defaults to ALLOWED_GUILDS', () => {
    const config = loadConfig({ ...required, ALLOWED_GUILDS: '111, 222', DAILY_IMAGE_BUDGET: '500', MAX_MEMBER_DAILY: '20' });
    expect(config.operator).toEqual({ allowedGuilds: new Set(['111', '222']), operatorGuilds: new Set(['111', '222']), dailyBudget: 500, maxMemberDaily: 20 });
    expect(loadConfig({ ...required, ALLOWED_GUILDS: '111,222', OPERATOR_GUILDS: '111' }).operator.operatorGuilds).toEqual(new Set(['111']));
    expect(() => loadConfig({ ...required, ALLOWED_GUILDS: '111,abc' })).toThrow(/^ALLOWED_GUILDS is invalid: expected comma-separated Discord server ids/);
    expect(() => loadConfig({ ...required, DAILY_IMAGE_BUDGET: '0' })).toThrow(/^DAILY_IMAGE_BUDGET is invalid/);
    expect(() => loadConfig({ ...required, MAX_MEMBER_DAILY: '-1' })).toThrow(/^MAX_MEMBER_DAILY is invalid/);
    expect(() => loadConfig({ ...required, OPERATOR_GUILDS: ',' })).toThrow(/^OPERATOR_GUILDS is invalid/);
  });

  it('reads the callback and sharding settings', () => {
    const config = loadConfig({
      ...required,
      CALLBACK_URL: 'https://bot.example.com/kie/callback',
      CALLBACK_PORT: '9000',
      WEBHOOK_HMAC_KEY: 'a-long-enough-key',
      SHARDS: 'auto',
    });
    expect(config).toMatchObject({ callbackUrl: 'https://bot.example.com/kie/callback', callbackPort: 9000, webhookHmacKey: 'a-long-enough-key', shards: 'auto' });
    expect(loadConfig({ ...required, SHARDS: '3' }).shards).toBe(3);
    expect(() => loadConfig({ ...required, SHARDS: '0' })).toThrow(/^SHARDS is invalid/);
    expect(() => loadConfig({ ...required, CALLBACK_PORT: '70000' })).toThrow(/^CALLBACK_PORT is invalid/);
    expect(() => loadConfig({ ...required, WEBHOOK_HMAC_KEY: 'short' })).toThrow(/^WEBHOOK_HMAC_KEY is invalid/);
  });

  it('refuses CALLBACK_URL without WEBHOOK_HMAC_KEY, in one line naming the variable', () => {
    const unsigned = { ...required, CALLBACK_URL: 'https://bot.example.com/kie/callback' };
    expect(() => loadConfig(unsigned)).toThrow(ConfigError);
    expect(() => loadConfig(unsigned)).toThrow(/^WEBHOOK_HMAC_KEY is missing: CALLBACK_URL is set/);
    expect(() => loadConfig({ ...unsigned, WEBHOOK_HMAC_KEY: '  ' })).toThrow(/^WEBHOOK_HMAC_KEY is missing/);
    expect(loadConfig({ ...required, WEBHOOK_HMAC_KEY: 'a-long-enough-key' }).callbackUrl).toBeUndefined();
  });

  it('reads SHARD_COUNT and SHARD_LIST: ranges and lists, sorted, without repeats', () => {
    const redis = { ...required, STORAGE_URL: 'redis://127.0.0.1:6390' };
    expect(loadConfig({ ...redis, SHARD_COUNT: '8', SHARD_LIST: '0-3' })).toMatchObject({ shards: 8, shardList: [0, 1, 2, 3] });
    expect(loadConfig({ ...redis, SHARD_COUNT: '8', SHARD_LIST: '7, 4,5,6,5' }).shardList).toEqual([4, 5, 6, 7]);
    expect(loadConfig({ ...redis, SHARD_COUNT: '8', SHARD_LIST: '0-1,6' }).shardList).toEqual([0, 1, 6]);
    expect(loadConfig({ ...redis, SHARD_COUNT: '4' })).toMatchObject({ shards: 4, shardList: undefined });
    // SHARDS is SHARD_COUNT's older name; the same value in both is no conflict.
    expect(loadConfig({ ...redis, SHARDS: '4', SHARD_COUNT: '4', SHARD_LIST: '2-3' })).toMatchObject({ shards: 4, shardList: [2, 3] });
    expect(loadConfig({ ...redis, SHARDS: '2', SHARD_LIST: '1' })).toMatchObject({ shards: 2, shardList: [1] });
    expect(loadConfig({ ...required, MACHINE_ID: 'box-2.eu' }).machineId).toBe('box-2.eu');
    expect(loadConfig(required)).toMatchObject({ shards: 1, shardList: undefined, machineId: undefined });
  });

  it('refuses a SHARD_LIST outside SHARD_COUNT, without a numeric SHARD_COUNT or on SQLite, in one line each', () => {
    const redis = { ...required, STORAGE_URL: 'redis://127.0.0.1:6390' };
    const refusal = (env: NodeJS.ProcessEnv) => errorFor(env).problems;
    expect(refusal({ ...redis, SHARD_COUNT: '8', SHARD_LIST: '4-8' })).toEqual(['SHARD_LIST is invalid: shard 8 is outside SHARD_COUNT=8 (ids run from 0 to 7)']);
    expect(refusal({ ...redis, SHARD_COUNT: '2', SHARD_LIST: '1,2,3' })).toEqual(['SHARD_LIST is invalid: shards 2, 3 are outside SHARD_COUNT=2 (ids run from 0 to 1)']);
    expect(refusal({ ...redis, SHARD_LIST: '0-3' })).toEqual([expect.stringMatching(/^SHARD_LIST needs SHARD_COUNT/)]);
    expect(refusal({ ...redis, SHARD_COUNT: 'auto', SHARD_LIST: '0-3' })).toEqual([expect.stringMatching(/^SHARD_LIST needs SHARD_COUNT/)]);
    expect(refusal({ ...required, SHARD_COUNT: '8', SHARD_LIST: '0-3' })).toEqual([expect.stringMatching(/^SHARD_LIST needs a redis:\/\/ STORAGE_URL/)]);
    expect(refusal({ ...redis, SHARDS: '4', SHARD_COUNT: '8' })).toEqual([expect.stringMatching(/^SHARD_COUNT and SHARDS disagree/)]);
    for (const list of [' , ', '3-1', 'a', '1-', '-1', '0-99999', '1;2']) {
      expect(refusal({ ...redis, SHARD_COUNT: '8', SHARD_LIST: list }), list).toEqual(['SHARD_LIST is invalid: expected shard ids and ranges such as 0-3 or 4,5,6,7']);
    }
    expect(refusal({ ...redis, SHARD_COUNT: '0' })).toEqual([expect.stringMatching(/^SHARD_COUNT is invalid/)]);
    expect(refusal({ ...required, MACHINE_ID: 'two words' })).toEqual([expect.stringMatching(/^MACHINE_ID is invalid/)]);
  });

  it('inside a shard process, ignores the SHARDS id, SHARD_COUNT and SHARD_LIST (the manager placed it)', () => {
    const shard = { ...required, SHARDING_MANAGER: 'true', SHARDS: '3', SHARD_COUNT: '8', SHARD_LIST: '2-3' };
    expect(loadConfig(shard)).toMatchObject({ shards: 1, shardList: undefined });
  });

  it('inside a shard process, ignores the SHARDS id that discord.js sets', () => {
    expect(loadConfig({ ...required, SHARDING_MANAGER: 'true', SHARDS: '1' }).shards).toBe(1);
    expect(loadConfig({ ...required, SHARDING_MANAGER: 'true', SHARDS: '0' }).shards).toBe(1);
  });

  it('reads every variable when set, converting seconds to milliseconds', () => {
    const config = loadConfig({
      ...required,
      DISCORD_GUILD_ID: '987654321',
      DISCORD_API_URL: 'http://127.0.0.1:4000/api',
      KIE_API_URL: 'http://127.0.0.1:5000',
      STORAGE_URL: 'redis://127.0.0.1:6390',
      QUOTA_DAILY: '0',
      JOB_TIMEOUT_SECONDS: '90',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      discordGuildId: '987654321',
      discordApiUrl: 'http://127.0.0.1:4000/api',
      kieApiUrl: 'http://127.0.0.1:5000',
      storageUrl: 'redis://127.0.0.1:6390',
      quotaDaily: 0,
      jobTimeoutMs: 90_000,
      logLevel: 'debug',
    });
  });

  it('treats an empty or blank optional value as unset', () => {
    const config = loadConfig({
      ...required,
      DISCORD_GUILD_ID: '',
      DISCORD_API_URL: '',
      KIE_API_URL: '   ',
      STORAGE_URL: '',
      QUOTA_DAILY: '',
      JOB_TIMEOUT_SECONDS: ' ',
      LOG_LEVEL: '',
    });
    expect(config.discordGuildId).toBeUndefined();
    expect(config.discordApiUrl).toBe('https://discord.com/api');
    expect(config.kieApiUrl).toBe('https://api.kie.ai');
    expect(config.storageUrl).toBe('sqlite://data/bot.sqlite');
    expect(config.quotaDaily).toBe(10);
    expect(config.jobTimeoutMs).toBe(600_000);
    expect(config.logLevel).toBe('info');
  });

  it('trims trailing slashes and surrounding spaces from URLs', () => {
    const config = loadConfig({ ...required, DISCORD_API_URL: ' https://discord.test/api/ ', KIE_API_URL: 'http://127.0.0.1:8080//' });
    expect(config.discordApiUrl).toBe('https://discord.test/api');
    expect(config.kieApiUrl).toBe('http://127.0.0.1:8080');
  });

  it('accepts sqlite, redis and rediss storage URLs', () => {
    for (const url of ['sqlite:///var/lib/bot.sqlite', 'redis://localhost:6390/0', 'rediss://user:pw@cache:6380']) {
      expect(loadConfig({ ...required, STORAGE_URL: url }).storageUrl).toBe(url);
    }
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ ...required, PATH: '/usr/bin', UNRELATED: 'x' })).not.toThrow();
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ ...required });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { quotaDaily: number }).quotaDaily = 99;
    }).toThrow(TypeError);
  });

  it.each(['DISCORD_TOKEN', 'DISCORD_CLIENT_ID', 'KIE_API_KEY'])('names a missing %s', (name) => {
    const env: NodeJS.ProcessEnv = { ...required };
    delete env[name];
    const error = errorFor(env);
    expect(error.message).toBe(`${name} is missing: set it in the environment or .env`);
    expectOneLineNaming(error, name);
  });

  it('treats a blank required value as missing', () => {
    const error = errorFor({ ...required, KIE_API_KEY: '   ' });
    expect(error.message).toMatch(/^KIE_API_KEY is missing/);
  });

  const invalid: Array<[string, string]> = [
    ['DISCORD_CLIENT_ID', 'not-a-number'],
    ['DISCORD_CLIENT_ID', '12345678901234567890123'],
    ['DISCORD_GUILD_ID', 'guild-1'],
    ['DISCORD_API_URL', 'discord.com/api'],
    ['DISCORD_API_URL', 'ftp://discord.com'],
    ['KIE_API_URL', 'https://'],
    ['KIE_API_URL', 'not a url'],
    ['STORAGE_URL', 'postgres://db/bot'],
    ['STORAGE_URL', 'sqlite://'],
    ['QUOTA_DAILY', '-1'],
    ['QUOTA_DAILY', '2.5'],
    ['QUOTA_DAILY', 'ten'],
    ['QUOTA_DAILY', '100001'],
    ['JOB_TIMEOUT_SECONDS', '0'],
    ['JOB_TIMEOUT_SECONDS', '1.5'],
    ['JOB_TIMEOUT_SECONDS', 'soon'],
    ['JOB_TIMEOUT_SECONDS', String(24 * 3600 + 1)],
    ['MAX_ACTIVE_PER_MEMBER', '0'],
    ['MAX_ACTIVE_PER_MEMBER', 'many'],
    ['LOG_LEVEL', 'verbose'],
  ];

  it.each(invalid)('refuses %s=%s in one line naming the variable', (name, value) => {
    const error = errorFor({ ...required, [name]: value });
    expect(error.message).toMatch(new RegExp(`^${name} is invalid: expected .+`));
    expectOneLineNaming(error, name);
  });

  it.each([
    'DISCORD_CLIENT_ID',
    'DISCORD_GUILD_ID',
    'DISCORD_API_URL',
    'KIE_API_URL',
    'STORAGE_URL',
    'QUOTA_DAILY',
    'JOB_TIMEOUT_SECONDS',
    'MAX_ACTIVE_PER_MEMBER',
    'LOG_LEVEL',
    'KIE_LOW_CREDITS',
  ])('does not echo an invalid %s value', (name) => {
    const value = 'echo-marker-q7x';
    const error = errorFor({ ...required, [name]: value });
    expect(error.message).toMatch(new RegExp(`^${name} is invalid`));
    expect(error.message).not.toContain(value);
  });

  it('accepts the boundary values', () => {
    expect(loadConfig({ ...required, QUOTA_DAILY: '100000' }).quotaDaily).toBe(100_000);
    expect(loadConfig({ ...required, JOB_TIMEOUT_SECONDS: '1' }).jobTimeoutMs).toBe(1000);
    expect(loadConfig({ ...required, JOB_TIMEOUT_SECONDS: String(24 * 3600) }).jobTimeoutMs).toBe(24 * 3600 * 1000);
  });

  it('never puts a secret into the message when another variable is wrong', () => {
    const error = errorFor({ DISCORD_TOKEN: 'super-secret-value', DISCORD_CLIENT_ID: 'abc', KIE_API_KEY: SECRET_KEY });
    expect(error.message).toMatch(/^DISCORD_CLIENT_ID is invalid/);
    expect(error.message).not.toContain('super-secret-value');
    expect(error.message).not.toContain(SECRET_KEY);
    expect(error.stack ?? '').not.toContain('super-secret-value');
  });

  it('lists the allowed log levels', () => {
    const error = errorFor({ ...required, LOG_LEVEL: 'loud' });
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) expect(error.message).toContain(level);
  });
});

describe('loadDiscordConfig (npm run register)', () => {
  it('needs only the Discord variables', () => {
    expect(loadDiscordConfig({ DISCORD_TOKEN: SECRET_TOKEN, DISCORD_CLIENT_ID: '123456789012345678', STORAGE_URL: 'postgres://ignored' })).toEqual({
      discordToken: SECRET_TOKEN,
      discordClientId: '123456789012345678',
      discordGuildId: undefined,
      discordApiUrl: 'https://discord.com/api',
      logLevel: 'info',
      logFormat: 'json',
      personalDaily: 0,
    });
  });

  it('reports every missing Discord variable at once, and nothing about KIE', () => {
    expect(() => loadDiscordConfig({ DISCORD_GUILD_ID: 'x' })).toThrow(
      new ConfigError([
        'DISCORD_TOKEN is missing: set it in the environment or .env',
        'DISCORD_CLIENT_ID is missing: set it in the environment or .env',
        'DISCORD_GUILD_ID is invalid: expected a Discord id (digits only)',
      ]),
    );
  });
});

describe('.env.example', () => {
  it('names every variable the bot reads, and loads once the three secrets are filled in', async () => {
    const { parse } = await import('dotenv');
    const { readFileSync } = await import('node:fs');
    const example = parse(readFileSync(new URL('../../.env.example', import.meta.url)));
    expect(Object.keys(example).sort()).toEqual(
      [
        'CALLBACK_HOST', 'CALLBACK_PORT', 'CALLBACK_URL', 'DISCORD_API_URL', 'DISCORD_CLIENT_ID', 'DISCORD_GUILD_ID',
        'DISCORD_TOKEN', 'HEALTH_HOST', 'HEALTH_PORT', 'JOB_TIMEOUT_SECONDS', 'KIE_API_KEY', 'KIE_API_URL', 'KIE_LOW_CREDITS', 'LOG_FORMAT',
        'LOG_LEVEL', 'MACHINE_ID', 'MAX_ACTIVE_PER_MEMBER', 'PERSONAL_DAILY', 'QUOTA_DAILY', 'SHARDS', 'SHARD_COUNT', 'SHARD_LIST',
        'STORAGE_URL', 'WEBHOOK_HMAC_KEY', 'ALLOWED_GUILDS', 'DAILY_IMAGE_BUDGET', 'MAX_MEMBER_DAILY', 'OPERATOR_GUILDS',
      ].sort(),
    );
    const config = loadConfig({ ...example, DISCORD_TOKEN: 'token', DISCORD_CLIENT_ID: '123456789012345678', KIE_API_KEY: 'key' });
    expect(config.storageUrl).toBe('sqlite://data/bot.sqlite');
  });
});
