import { DiscordAPIError, DiscordjsErrorCodes, HTTPError } from 'discord.js';

/** Discord refused or could not be reached while the bot (or `npm run register`) started; the message names the variable to look at. */
export class DiscordStartupError extends Error {
  override readonly name = 'DiscordStartupError';
}

/** What start-up was talking to Discord about, to name the right variable. */
export interface DiscordTarget {
  apiUrl: string;
  guildId: string | undefined;
}

/**
 * Turns a failure of a start-up call to Discord into a DiscordStartupError whose one-line message names
 * Discord and the variable at fault (never its value); any other error is returned as it is.
 */
export function explainDiscordFailure(error: unknown, target: DiscordTarget): unknown {
  const message = discordFailureMessage(error, target);
  return message === undefined ? error : new DiscordStartupError(message, { cause: error });
}

function discordFailureMessage(error: unknown, { apiUrl, guildId }: DiscordTarget): string | undefined {
  // discord.js turns the 401 of GET /gateway/bot into its own "An invalid token was provided".
  if ((error as { code?: unknown } | undefined)?.code === DiscordjsErrorCodes.TokenInvalid) return tokenRefused(401);
  if (error instanceof DiscordAPIError) {
    if (error.status === 401) return tokenRefused(401);
    if (error.status === 403) {
      return guildId
        ? `Discord refused access (403, code ${error.code}): check that DISCORD_CLIENT_ID is this bot's application and that the bot was invited to DISCORD_GUILD_ID with the applications.commands scope`
        : `Discord refused access (403, code ${error.code}): check that DISCORD_CLIENT_ID is the application of DISCORD_TOKEN's bot`;
    }
    if (error.status === 404) {
      return `Discord does not know ${guildId ? 'DISCORD_CLIENT_ID or DISCORD_GUILD_ID' : 'DISCORD_CLIENT_ID'} (404, code ${error.code}): check the id${guildId ? 's' : ''} in the Developer Portal`;
    }
    return undefined;
  }
  if (error instanceof HTTPError) return `Discord answered HTTP ${error.status} at DISCORD_API_URL (${apiUrl}); try again later`;
  const code = networkCode(error);
  if (code !== undefined) return `could not reach Discord at DISCORD_API_URL (${apiUrl}): ${code}`;
  return undefined;
}

function tokenRefused(status: number): string {
  return `DISCORD_TOKEN was refused by Discord (${status}): copy the bot token again from the Developer Portal (Bot → Reset Token)`;
}

/** The system error code (ECONNREFUSED, ENOTFOUND, UND_ERR_…) somewhere in the cause chain, if any. */
function networkCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    if (current instanceof AggregateError) {
      const inner = current.errors.map(networkCode).find((found) => found !== undefined);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}
