import { createRequire } from 'node:module';
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

const REDACTED = '[redacted]';
/** What stands for a part of a log object nested deeper than anything the bot logs on purpose. */
const TOO_DEEP = '[too deep]';
const MAX_DEPTH = 32;

/** Interaction tokens travel inside webhook and callback URLs, which discord.js errors quote. */
const TOKEN_IN_URL = /((?:webhooks|interactions)\/\d+\/)[^/?\s"']+/g;
/** The password of a URL with credentials (`redis://user:pass@host`, `rediss://:pass@host`). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"']*:)[^\s/?#@"']+@/gi;
/** An Authorization header's credentials quoted in a message (`Bot …`, `Bearer …`, `Basic …`). */
const AUTH_SCHEME = /\b(Bot|Bearer|Basic)\s+(?=[A-Za-z0-9._~+/=-]{8,})[A-Za-z0-9._~+/=-]*\d[A-Za-z0-9._~+/=-]*/g;

/** Field names whose values are secrets wherever they appear in a log object, at any depth (case-insensitive). */
const SECRET_KEYS = new Set(
  [
    'token',
    'interactionToken',
    'accessToken',
    'refreshToken',
    'apiKey',
    'api_key',
    'kieApiKey',
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'password',
    'pass',
    'secret',
    'hmacKey',
    'webhookHmacKey',
    'discordToken',
    'x-webhook-signature',
  ].map((key) => key.toLowerCase()),
);

export interface LoggerOptions {
  level: string;
  /** Literal secret values (bot token, API keys) scrubbed from any string that reaches the log. */
  secrets?: readonly string[];
  destination?: DestinationStream;
  /** json (default): one JSON object a line, for log collectors; pretty: coloured lines for a person at a terminal. */
  format?: 'json' | 'pretty';
}

export function createLogger({ level, secrets = [], destination, format = 'json' }: LoggerOptions): Logger {
  const scrub = secretScrubber(secrets);
  const options = {
    level,
    base: { service: 'imagine' },
    formatters: { log: (object: Record<string, unknown>) => scrub(object) as Record<string, unknown> },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void) {
        // `log.info({ … }, 'message')`, the usual call: the object goes through formatters.log, scrubbed there
        // once. Anything else (an error whose message pino copies, strings, values interpolated) is scrubbed here.
        const [first, message] = args as unknown[];
        const objectScrubbedLater = typeof message === 'string' && isPlainObject(first);
        method.apply(this, args.map((arg, i) => (i === 0 && objectScrubbedLater ? arg : scrub(arg))));
      },
    },
    serializers: { err: pino.stdSerializers.err },
  };
  const target = destination ?? (format === 'pretty' ? prettyStdout() : undefined);
  return target ? pino(options, target) : pino(options);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * pino-pretty writing to stdout synchronously, so the last lines before an exit are not lost. Loaded only
 * when asked for: a bot logging JSON never holds it in memory.
 */
function prettyStdout(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  return pretty({ sync: true, destination: 1, translateTime: 'SYS:standard', ignore: 'hostname,service', colorize: Boolean(process.stdout.isTTY) });
}

/**
 * Replaces secrets inside strings, errors, arrays and plain objects, at any depth: the given secret values,
 * the values of secret-named fields, interaction tokens in Discord URLs, passwords in URLs with credentials
 * and Authorization credentials. Cycles and absurd depths are cut off rather than followed.
 */
export function secretScrubber(secrets: readonly string[]): (value: unknown) => unknown {
  const needles = secrets.filter((secret) => secret.length >= 6);
  const scrubString = (text: string): string =>
    needles
      .reduce((out, needle) => (out.includes(needle) ? out.split(needle).join(REDACTED) : out), text)
      .replace(TOKEN_IN_URL, `$1${REDACTED}`)
      .replace(URL_PASSWORD, `$1${REDACTED}@`)
      .replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  const visit = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof value === 'string') return scrubString(value);
    if (value === null || typeof value !== 'object') return value;
    if (Buffer.isBuffer(value)) return value;
    if (depth > MAX_DEPTH) return TOO_DEEP;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    try {
      const field = (key: string, inner: unknown): unknown =>
        SECRET_KEYS.has(key.toLowerCase()) && inner !== undefined && inner !== null ? REDACTED : visit(inner, depth + 1, seen);
      if (value instanceof Error) {
        // `cause` is not enumerable, so copy it explicitly: pino prints the cause chain, which often holds the real reason.
        const cause = value.cause === undefined ? undefined : { cause: visit(value.cause, depth + 1, seen) };
        const copy = new Error(scrubString(value.message), cause);
        copy.name = value.name;
        if (value.stack) copy.stack = scrubString(value.stack);
        for (const [key, inner] of Object.entries(value)) (copy as unknown as Record<string, unknown>)[key] = field(key, inner);
        return copy;
      }
      if (Array.isArray(value)) return value.map((item) => visit(item, depth + 1, seen));
      // Dates, URLs and the like: log what JSON would show, scrubbed, rather than an empty object.
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return visit((value as { toJSON(): unknown }).toJSON(), depth + 1, seen);
      if (value instanceof Map) return visit(Object.fromEntries(value), depth + 1, seen);
      if (value instanceof Headers) return visit(Object.fromEntries(value.entries()), depth + 1, seen);
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, field(key, inner)]));
    } finally {
      seen.delete(value);
    }
  };
  return (value) => visit(value, 0, new WeakSet());
}
