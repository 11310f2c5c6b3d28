import { Agent } from 'undici';
import { giveUp, withDeadline } from '../util/deadline.js';

/**
 * At most this many keep-alive connections to Discord's API. Without a bound, undici opens a connection per
 * request in flight, so a burst of 200 commands costs 200 connection set-ups (TLS handshakes in production)
 * for 200 one-line defers. Past the bound requests wait for a free connection, one round trip each: 64 keeps
 * a 200-command burst within a few round trips, and image uploads (a few at a time) never starve the rest.
 */
export const DISCORD_MAX_CONNECTIONS = 64;

/** The one connection pool that every REST client of the bot shares (they all talk to one origin). */
export function createDiscordHttpAgent(): Agent {
  return new Agent({ connections: DISCORD_MAX_CONNECTIONS });
}

/**
 * Closes the pool once the requests still in flight have finished, waiting `graceMs` at most: a shutdown
 * must end, and what is still unanswered then is left to the process's exit. (undici's Agent cannot be
 * destroyed once closing, so there is no cutting off in between.)
 */
export async function closeDiscordHttpAgent(agent: Agent, graceMs = 1_000): Promise<void> {
  await withDeadline(agent.close(), graceMs, giveUp);
}
