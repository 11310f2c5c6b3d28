import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const httpUrl = z
  .string()
  .trim()
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), 'an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

const snowflake = z.string().trim().regex(/^\d{1,22}$/, 'a Discord id (digits only)');

const positiveInt = (max: number) =>
  z.coerce.number({ error: 'a whole number' }).int('a whole number').positive('a number above 0').max(max, `at most ${max}`);

const configSchema = z.object({
  DISCORD_TOKEN: z.string().trim().min(1, 'the bot token'),
  DISCORD_CLIENT_ID: snowflake,
  KIE_API_KEY: z.string().trim().min(1, 'the KIE API key'),
  DISCORD_GUILD_ID: snowflake.optional(),
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  KIE_API_URL: httpUrl.default('https://api.kie.ai'),
  STORAGE_URL: z
    .string()
    .trim()
    .regex(/^(sqlite|redis|rediss):\/\/.+/, 'sqlite://PATH or redis://HOST:PORT')
    .default('sqlite://data/bot.sqlite'),
  QUOTA_DAILY: z.coerce.number({ error: 'a whole number' }).int('a whole number').min(0, 'at least 0').max(100_000).default(10),
  JOB_TIMEOUT_SECONDS: positiveInt(24 * 3600).default(600),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  CALLBACK_URL: httpUrl.optional(),
  CALLBACK_HOST: z.string().trim().regex(/^[\w.:-]+$/, 'an interface address such as 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
  CALLBACK_PORT: z.coerce.number({ error: 'a port number' }).int('a port number').min(1, 'a port number').max(65_535, 'a port number').optional(),
  WEBHOOK_HMAC_KEY: z.string().trim().min(8, 'at least 8 characters').optional(),
  KIE_LOW_CREDITS: z.coerce.number({ error: 'a number of credits' }).positive('a number of credits above 0').max(1e12).optional(),
  SHARDS: z
    .string()
    .trim()
    .regex(/^(auto|[1-9]\d{0,3})$/, '"auto" or a whole number of shards (1 or more)')
    .default('1'),
});

type Env = z.infer<typeof configSchema>;

export interface Config {
  readonly discordToken: string;
  readonly discordClientId: string;
  readonly kieApiKey: string;
  readonly discordGuildId: string | undefined;
  readonly discordApiUrl: string;
  readonly kieApiUrl: string;
  readonly storageUrl: string;
  readonly quotaDaily: number;
  readonly jobTimeoutMs: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Public URL KIE posts task results to; undefined = polling only. */
  readonly callbackUrl: string | undefined;
  readonly callbackPort: number;
  readonly callbackHost: string;
  readonly webhookHmacKey: string | undefined;
  readonly shards: number | 'auto';
  /** Warn each server's log channel when KIE's credit balance falls under this; undefined = never. */
  readonly kieLowCredits: number | undefined;
}

export const DEFAULT_CALLBACK_PORT = 8080;

/** A configuration problem, phrased as one line naming the variable and what it expects. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the environment into a frozen Config. Values are never echoed back, only names. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty optional variable (KEY= in .env) means "use the default". Inside a shard process discord.js's
  // ShardingManager sets SHARDS to the shard's id, which is not our setting.
  const insideShard = env.SHARDING_MANAGER === 'true';
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => key in configSchema.shape && value !== undefined && value.trim() !== '' && !(insideShard && key === 'SHARDS'),
    ),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const missing = issue?.code === 'invalid_type' && present[name] === undefined;
    throw new ConfigError(
      missing ? `${name} is missing: set it in the environment or .env` : `${name} is invalid: expected ${issue?.message ?? 'a valid value'}`,
    );
  }
  // An unsigned callback could be sent by anyone who finds the URL; each would cost a poll of KIE.
  if (parsed.data.CALLBACK_URL !== undefined && parsed.data.WEBHOOK_HMAC_KEY === undefined) {
    throw new ConfigError('WEBHOOK_HMAC_KEY is missing: CALLBACK_URL is set, and KIE callbacks are accepted only when signed with this key');
  }
  return toConfig(parsed.data);
}

function toConfig(env: Env): Config {
  return Object.freeze({
    discordToken: env.DISCORD_TOKEN,
    discordClientId: env.DISCORD_CLIENT_ID,
    kieApiKey: env.KIE_API_KEY,
    discordGuildId: env.DISCORD_GUILD_ID,
    discordApiUrl: env.DISCORD_API_URL,
    kieApiUrl: env.KIE_API_URL,
    storageUrl: env.STORAGE_URL,
    quotaDaily: env.QUOTA_DAILY,
    jobTimeoutMs: env.JOB_TIMEOUT_SECONDS * 1000,
    logLevel: env.LOG_LEVEL,
    callbackUrl: env.CALLBACK_URL,
    callbackPort: env.CALLBACK_PORT ?? DEFAULT_CALLBACK_PORT,
    callbackHost: env.CALLBACK_HOST,
    webhookHmacKey: env.WEBHOOK_HMAC_KEY,
    shards: env.SHARDS === 'auto' ? 'auto' : Number(env.SHARDS),
    kieLowCredits: env.KIE_LOW_CREDITS,
  });
}

/** The configuration's secret values, for the log to scrub wherever they appear (the store's password included). */
export function configSecrets(config: Config): string[] {
  const secrets = [config.discordToken, config.kieApiKey];
  if (config.webhookHmacKey !== undefined) secrets.push(config.webhookHmacKey);
  const storagePassword = URL.canParse(config.storageUrl) ? new URL(config.storageUrl).password : '';
  if (storagePassword !== '') secrets.push(storagePassword, decodeURIComponent(storagePassword));
  return secrets;
}
