import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DiscordStartupError, explainDiscordFailure } from '../../src/discord/startup-errors.js';

const target: { apiUrl: string; guildId: string | undefined } = { apiUrl: 'https://discord.com/api', guildId: undefined };
const apiError = (status: number, code: number, message: string) =>
  new DiscordAPIError({ code, message }, code, status, 'PUT', 'https://discord.com/api/v10/applications/1/commands', { body: undefined, files: undefined });

function explained(error: unknown, where = target): string {
  const result = explainDiscordFailure(error, where);
  expect(result).toBeInstanceOf(DiscordStartupError);
  expect((result as DiscordStartupError).cause).toBe(error);
  return (result as DiscordStartupError).message;
}

describe('explainDiscordFailure', () => {
  it('names DISCORD_TOKEN for a 401, whether from the REST client or discord.js’s login', () => {
    expect(explained(apiError(401, 0, '401: Unauthorized'))).toMatch(/^DISCORD_TOKEN was refused by Discord \(401\)/);
    const loginError = Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' });
    expect(explained(loginError)).toMatch(/^DISCORD_TOKEN was refused by Discord \(401\)/);
  });

  it('names DISCORD_CLIENT_ID (and DISCORD_GUILD_ID when one is set) for a 403 or a 404', () => {
    expect(explained(apiError(403, 50001, 'Missing Access'))).toMatch(/^Discord refused access \(403, code 50001\): .*DISCORD_CLIENT_ID/);
    expect(explained(apiError(403, 50001, 'Missing Access'), { ...target, guildId: '42' })).toMatch(/DISCORD_GUILD_ID with the applications\.commands scope/);
    expect(explained(apiError(404, 10002, 'Unknown Application'))).toBe(
      'Discord does not know DISCORD_CLIENT_ID (404, code 10002): check the id in the Developer Portal',
    );
  });

  it('names DISCORD_API_URL when Discord cannot be reached or answers 5xx', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    expect(explained(refused)).toBe('could not reach Discord at DISCORD_API_URL (https://discord.com/api): ECONNREFUSED');
    const unavailable = new HTTPError(503, 'Service Unavailable', 'GET', 'https://discord.com/api/v10/gateway/bot', { body: undefined, files: undefined });
    expect(explained(unavailable)).toMatch(/^Discord answered HTTP 503 at DISCORD_API_URL/);
  });

  it('leaves any other error as it is', () => {
    const bug = new Error('something else');
    expect(explainDiscordFailure(bug, target)).toBe(bug);
    const rateLimited = apiError(429, 0, 'You are being rate limited.');
    expect(explainDiscordFailure(rateLimited, target)).toBe(rateLimited);
  });
});
