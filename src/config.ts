import { z } from 'zod';
import { MAX_DAILY_LIMIT } from './policy/guild-policy.js';
import { parseShardList, SHARD_LIST_USAGE, shardsOutside } from './placement/shard-list.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;

const httpUrl = z
  .string()
  .trim()
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), 'an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

const snowflake = z.string().trim().regex(/^\d{1,22}$/, 'a Discord id (digits only)');

const port = z.coerce.number({ error: 'a port number' }).int('a port number').min(1, 'a port number').max(65_535, 'a port number');

const interfaceAddress = z.string().trim().regex(/^[\w.:-]+$/, 'an interface address such as 0.0.0.0 or 127.0.0.1');
/** A comma-separated list of server ids ("1,2, 3"); an empty list is no list. */
const snowflakeList = z
  .string()
  .trim()
  .transform((value) => value.split(',').map((id) => id.trim()).filter((id) => id !== ''))
  .pipe(z.array(z.string().regex(/^\d{1,22}$/, 'comma-separated Discord server ids (digits only)')).min(1, 'at least one Discord server id'));

const shardCount = z
  .string()
  .trim()
  .regex(/^(auto|[1-9]\d{0,3})$/, '"auto" or a whole number of shards (1 or more)');

const positiveInt = (max: number) =>
  z.coerce.number({ error: 'a whole number' }).int('a whole number').positive('a number above 0').max(max, `at most ${max}`);

/** What `npm run register` needs: the Discord application, nothing of KIE or the store. */
const discordSchema = z.object({
  DISCORD_TOKEN: z.string().trim().min(1, 'the bot token'),
  DISCORD_CLIENT_ID: snowflake,
  DISCORD_GUILD_ID: snowflake.optional(),
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS, { error: `one of ${LOG_FORMATS.join(', ')}` }).default('json'),
  // Read by `npm run register` too: it decides where the commands may be installed and used.
  PERSONAL_DAILY: z.coerce.number({ error: 'a whole number' }).int('a whole number').min(0, 'at least 0').max(MAX_DAILY_LIMIT).default(0),
});

const configSchema = discordSchema.extend({
  KIE_API_KEY: z.string().trim().min(1, 'the KIE API key'),
  KIE_API_URL: httpUrl.default('https://api.kie.ai'),
  STORAGE_URL: z
    .string()
    .trim()
    .regex(/^(sqlite|redis|rediss):\/\/.+/, 'sqlite://PATH or redis://HOST:PORT')
    .default('sqlite://data/bot.sqlite'),
  QUOTA_DAILY: z.coerce.number({ error: 'a whole number' }).int('a whole number').min(0, 'at least 0').max(MAX_DAILY_LIMIT).default(10),
  JOB_TIMEOUT_SECONDS: positiveInt(24 * 3600).default(600),
  MAX_ACTIVE_PER_MEMBER: positiveInt(10_000).default(4),
  CALLBACK_URL: httpUrl.optional(),
  CALLBACK_HOST: interfaceAddress.default('127.0.0.1'),
  CALLBACK_PORT: port.optional(),
  HEALTH_PORT: port.optional(),
  HEALTH_HOST: interfaceAddress.default('127.0.0.1'),
  WEBHOOK_HMAC_KEY: z.string().trim().min(8, 'at least 8 characters').optional(),
  KIE_LOW_CREDITS: z.coerce.number({ error: 'a number of credits' }).positive('a number of credits above 0').max(1e12).optional(),
  ALLOWED_GUILDS: snowflakeList.optional(),
  OPERATOR_GUILDS: snowflakeList.optional(),
  DAILY_IMAGE_BUDGET: positiveInt(10_000_000).optional(),
  MAX_MEMBER_DAILY: positiveInt(MAX_DAILY_LIMIT).optional(),
  SHARDS: shardCount.optional(),
  SHARD_COUNT: shardCount.optional(),
  SHARD_LIST: z
    .string()
    .trim()
    .transform((value, context) => {
      const ids = parseShardList(value);
      if (ids === undefined) context.addIssue({ code: 'custom', message: SHARD_LIST_USAGE });
      return ids ?? [];
    })
    .optional(),
  MACHINE_ID: z.string().trim().regex(/^[\w.-]{1,64}$/, 'a name of letters, digits, ".", "_" or "-" (at most 64)').optional(),
});

type Env = z.infer<typeof configSchema>;

export type LogFormat = (typeof LOG_FORMATS)[number];

/** The Discord application and how to log: all `npm run register` reads. */
export interface DiscordConfig {
  readonly discordToken: string;
  readonly discordClientId: string;
  readonly discordGuildId: string | undefined;
  readonly discordApiUrl: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** json (default, for log collectors) or pretty (for a person at a terminal). */
  readonly logFormat: LogFormat;
  /** Images per member per UTC day used through the member's own install (DMs, servers without the bot); 0 = off. */
  readonly personalDaily: number;
}

export interface Config extends DiscordConfig {
  readonly kieApiKey: string;
  readonly kieApiUrl: string;
  readonly storageUrl: string;
  readonly quotaDaily: number;
  readonly jobTimeoutMs: number;
  /** Images a member may have in progress (waiting or running) per server at once. */
  readonly maxActivePerMember: number;
  /** Public URL KIE posts task results to; undefined = polling only. */
  readonly callbackUrl: string | undefined;
  readonly callbackPort: number;
  readonly callbackHost: string;
  readonly webhookHmacKey: string | undefined;
  /** Shards of the whole bot, over every machine (SHARD_COUNT, or SHARDS for one machine); 'auto' = as Discord recommends. */
  readonly shards: number | 'auto';
  /** The shard ids this machine runs (SHARD_LIST); undefined = every shard. */
  readonly shardList: readonly number[] | undefined;
  /** How this machine names itself in its shard claims (MACHINE_ID); undefined = the host name. */
  readonly machineId: string | undefined;
  /** Where /healthz and /metrics are served; undefined = not at all. */
  readonly healthPort: number | undefined;
  readonly healthHost: string;
  /** Warn each server's log channel when KIE's credit balance falls under this; undefined = never. */
  readonly kieLowCredits: number | undefined;
  /** The operator's limits on every server (ALLOWED_GUILDS, OPERATOR_GUILDS, DAILY_IMAGE_BUDGET, MAX_MEMBER_DAILY). */
  readonly operator: OperatorLimits;
}

/** What the operator allows across all servers; undefined = no such limit. */
export interface OperatorLimits {
  /** The only servers the bot serves; undefined = every server it is in. */
  readonly allowedGuilds: ReadonlySet<string> | undefined;
  /** Servers whose admins see KIE's credits and get low-credit warnings; undefined = every server. */
  readonly operatorGuilds: ReadonlySet<string> | undefined;
  /** Images per UTC day, all servers together. */
  readonly dailyBudget: number | undefined;
  /** The most images per day any admin-set limit can give one member. */
  readonly maxMemberDaily: number | undefined;
}

export const DEFAULT_CALLBACK_PORT = 8080;

/**
 * The configuration's problems, each one line naming the variable and what it expects (never its value).
 * With one problem the message is that line; with several, a count and one line each.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems in the configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
  }
}

/** Reads the environment into a frozen Config, reporting every problem at once. Values are never echoed back, only names. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return toConfig(parseEnv(configSchema, env, (present) => ({ ...unsignedCallbacks(present), ...shardPlacement(present) })));
}

/** Reads only what talking to Discord needs (`npm run register`): KIE and the store may be unset. */
export function loadDiscordConfig(env: NodeJS.ProcessEnv = process.env): DiscordConfig {
  const parsed = parseEnv(discordSchema, env);
  return Object.freeze({
    discordToken: parsed.DISCORD_TOKEN,
    discordClientId: parsed.DISCORD_CLIENT_ID,
    discordGuildId: parsed.DISCORD_GUILD_ID,
    discordApiUrl: parsed.DISCORD_API_URL,
    logLevel: parsed.LOG_LEVEL,
    logFormat: parsed.LOG_FORMAT,
    personalDaily: parsed.PERSONAL_DAILY,
  });
}

/** Rules between variables, checked with the others so that every problem is reported in one run. */
type RelatedRule = (present: Readonly<Record<string, string | undefined>>) => Record<string, string>;

// An unsigned callback could be sent by anyone who finds the URL; each would cost a poll of KIE.
const unsignedCallbacks: RelatedRule = (present) =>
  present.CALLBACK_URL !== undefined && present.WEBHOOK_HMAC_KEY === undefined
    ? { WEBHOOK_HMAC_KEY: 'WEBHOOK_HMAC_KEY is missing: CALLBACK_URL is set, and KIE callbacks are accepted only when signed with this key' }
    : {};

/**
 * SHARD_COUNT is the total over every machine; SHARDS is its older name from when one machine ran them all.
 * A SHARD_LIST needs that total as a number (every machine must agree on it) and the shared Redis store.
 */
const shardPlacement: RelatedRule = (present) => {
  const { SHARDS: shards, SHARD_COUNT: count, SHARD_LIST: list, STORAGE_URL: storage } = present;
  if (shards !== undefined && count !== undefined && shards !== count) {
    return { SHARD_COUNT: 'SHARD_COUNT and SHARDS disagree: set only SHARD_COUNT, the number of shards over all machines (SHARDS is its older name)' };
  }
  if (list === undefined) return {};
  const total = count ?? shards;
  if (total === undefined || !/^\d+$/.test(total)) {
    return { SHARD_LIST: 'SHARD_LIST needs SHARD_COUNT, the number of shards over all machines, as a number (the same on every machine)' };
  }
  const outside = shardsOutside(parseShardList(list) ?? [], Number(total));
  if (outside.length > 0) {
    const named = outside.length === 1 ? `shard ${outside[0]} is` : `shards ${outside.join(', ')} are`;
    return { SHARD_LIST: `SHARD_LIST is invalid: ${named} outside SHARD_COUNT=${total} (ids run from 0 to ${Number(total) - 1})` };
  }
  if (!/^rediss?:\/\//.test(storage ?? '')) {
    return { SHARD_LIST: 'SHARD_LIST needs a redis:// STORAGE_URL shared by every machine (a SQLite file belongs to one machine)' };
  }
  return {};
};

/** discord.js's ShardingManager sets SHARDS (the shard's id) and SHARD_COUNT in each shard process: not our settings there. */
const SET_BY_SHARDING_MANAGER = new Set(['SHARDS', 'SHARD_COUNT', 'SHARD_LIST']);

function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv, related: RelatedRule = () => ({})): z.infer<S> {
  // An empty optional variable (KEY= in .env) means "use the default". A shard process leaves placement to its manager.
  const insideShard = env.SHARDING_MANAGER === 'true';
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => key in schema.shape && value !== undefined && value.trim() !== '' && !(insideShard && SET_BY_SHARDING_MANAGER.has(key)),
    ),
  );
  const parsed = schema.safeParse(present);
  const problems = new Map<string, string>();
  for (const issue of parsed.error?.issues ?? []) {
    const name = String(issue.path[0] ?? 'environment');
    if (problems.has(name)) continue;
    const missing = issue.code === 'invalid_type' && present[name] === undefined;
    problems.set(name, missing ? `${name} is missing: set it in the environment or .env` : `${name} is invalid: expected ${issue.message}`);
  }
  for (const [name, line] of Object.entries(related(present))) if (!problems.has(name)) problems.set(name, line);
  if (parsed.success && problems.size === 0) return parsed.data;
  // In the order the variables are documented, not the order the checks ran.
  const order = Object.keys(schema.shape);
  throw new ConfigError([...problems.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([, line]) => line));
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
    maxActivePerMember: env.MAX_ACTIVE_PER_MEMBER,
    personalDaily: env.PERSONAL_DAILY,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    callbackUrl: env.CALLBACK_URL,
    callbackPort: env.CALLBACK_PORT ?? DEFAULT_CALLBACK_PORT,
    callbackHost: env.CALLBACK_HOST,
    webhookHmacKey: env.WEBHOOK_HMAC_KEY,
    shards: shardTotal(env.SHARD_COUNT ?? env.SHARDS ?? '1'),
    shardList: env.SHARD_LIST,
    machineId: env.MACHINE_ID,
    kieLowCredits: env.KIE_LOW_CREDITS,
    healthPort: env.HEALTH_PORT,
    healthHost: env.HEALTH_HOST,
    operator: Object.freeze({
      allowedGuilds: setOf(env.ALLOWED_GUILDS),
      // Without a list of its own, the operator's servers are the allowed ones (or every server).
      operatorGuilds: setOf(env.OPERATOR_GUILDS ?? env.ALLOWED_GUILDS),
      dailyBudget: env.DAILY_IMAGE_BUDGET,
      maxMemberDaily: env.MAX_MEMBER_DAILY,
    }),
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

function shardTotal(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : Number(value);
}

function setOf(ids: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return ids === undefined ? undefined : new Set(ids);
}
