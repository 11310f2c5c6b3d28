import { describe, expect } from 'vitest';
import { FakeDiscord } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';

const GUILD = '1600000000000000001';
const CHANNEL = '1600000000000000002';

async function fakeWithInteraction(defer: (cleanup: () => Promise<unknown>) => void) {
  const discord = await FakeDiscord.start({ guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }] });
  defer(() => discord.close());
  // No bot is connected: the interaction is only there to have a live id and token to answer.
  const interaction = discord.dispatchInteraction({ commandName: 'imagine', options: [], guildId: GUILD, channelId: CHANNEL });
  const callback = (body: unknown) =>
    fetch(`${discord.apiUrl}/v10/interactions/${interaction.id}/${interaction.token}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { discord, interaction, callback };
}

describe("the fake Discord holds request bodies to Discord's OpenAPI description", () => {
  it('answers a malformed interaction callback 400 50035 and records the path and value', async ({ defer }) => {
    const { discord, callback } = await fakeWithInteraction(defer);
    const response = await callback({ type: 4, data: { content: 42, embeds: 'not a list' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: number; message: string; errors: Record<string, unknown> };
    expect(body).toMatchObject({ code: 50035, message: 'Invalid Form Body' });
    expect(body.errors).toMatchObject({ data: { content: { _errors: [expect.objectContaining({ code: 'SPEC_VIOLATION' })] } } });
    expect(discord.specViolations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ operation: '/interactions/{interaction_id}/{interaction_token}/callback', pointer: '/data/content', value: 42 }),
        expect.objectContaining({ pointer: '/data/embeds', value: 'not a list' }),
      ]),
    );
    expect(() => discord.assertConformingRequests()).toThrow(/at \/data\/content: must be string.*value 42/);
  });

  it('refuses a webhook edit whose content is over 2000 characters, as Discord does', async ({ defer }) => {
    const { discord, interaction, callback } = await fakeWithInteraction(defer);
    expect((await callback({ type: 5 })).status).toBe(204);
    const edit = await fetch(`${discord.apiUrl}/v10/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'x'.repeat(2001) }),
    });
    expect(edit.status).toBe(400);
    expect(discord.specViolations).toEqual([expect.objectContaining({ method: 'PATCH', pointer: '/content', message: expect.stringContaining('2000') })]);
  });

  it('lets a valid body through and records nothing', async ({ defer }) => {
    const { discord, callback } = await fakeWithInteraction(defer);
    const response = await callback({ type: 4, data: { content: 'a lighthouse', flags: 64, allowed_mentions: { parse: [] } } });
    expect(response.status).toBe(204);
    expect(discord.specViolations).toEqual([]);
    expect(() => discord.assertConformingRequests()).not.toThrow();
  });
});
