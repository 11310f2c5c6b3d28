import { createRequire } from 'node:module';
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

const REDACTED = '[redacted]';

/** Interaction tokens travel inside webhook and callback URLs, which discord.js errors quote. */
const TOKEN_IN_URL = /((?:webhooks|interactions)\/\d+\/)[^/?\s"']+/g;

/** Field names that carry secrets wherever they appear in a log object. */
const SECRET_PATHS = [
  'token',
  'interactionToken',
  'apiKey',
  'authorization',
  'password',
  '*.token',
  '*.interactionToken',
  '*.apiKey',
  '*.authorization',
  '*.password',
  'headers.authorization',
  'req.headers.authorization',
];

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
    redact: { paths: SECRET_PATHS, censor: REDACTED },
    formatters: { log: (object: Record<string, unknown>) => scrub(object) as Record<string, unknown> },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void) {
        method.apply(this, args.map((arg) => scrub(arg)));
      },
    },
    serializers: { err: pino.stdSerializers.err },
  };
  const target = destination ?? (format === 'pretty' ? prettyStdout() : undefined);
  return target ? pino(options, target) : pino(options);
}

/**
 * pino-pretty writing to stdout synchronously, so the last lines before an exit are not lost. Loaded only
 * when asked for: a bot logging JSON never holds it in memory.
 */
function prettyStdout(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  return pretty({ sync: true, destination: 1, translateTime: 'SYS:standard', ignore: 'hostname,service', colorize: Boolean(process.stdout.isTTY) });
}

/** Replaces every occurrence of the given secret values inside strings, errors and plain objects. */
export function secretScrubber(secrets: readonly string[]): (value: unknown) => unknown {
  const needles = secrets.filter((secret) => secret.length >= 6);
  const scrubString = (text: string): string =>
    needles
      .reduce((out, needle) => (out.includes(needle) ? out.split(needle).join(REDACTED) : out), text)
      .replace(TOKEN_IN_URL, `$1${REDACTED}`);
  const visit = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubString(value);
    if (depth > 6 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) {
      // `cause` is not enumerable, so copy it explicitly: pino prints the cause chain, which often holds the real reason.
      const cause = value.cause === undefined ? undefined : { cause: visit(value.cause, depth + 1) };
      const copy = new Error(scrubString(value.message), cause);
      copy.name = value.name;
      if (value.stack) copy.stack = scrubString(value.stack);
      for (const [key, inner] of Object.entries(value)) (copy as unknown as Record<string, unknown>)[key] = visit(inner, depth + 1);
      return copy;
    }
    if (Array.isArray(value)) return value.map((item) => visit(item, depth + 1));
    if (Buffer.isBuffer(value)) return value;
    // Dates, URLs and the like: log what JSON would show, scrubbed, rather than an empty object.
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return visit((value as { toJSON(): unknown }).toJSON(), depth + 1);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, visit(inner, depth + 1)]));
  };
  return (value) => visit(value, 0);
}
