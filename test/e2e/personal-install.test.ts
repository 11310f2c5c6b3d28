import { describe, expect } from 'vitest';
import { messages, messagesFor } from '../../src/messages.js';
import { utcDay } from '../../src/quota/day.js';
import { PERSONAL_GUILD_ID } from '../../src/quota/personal.js';
import type { FakeInteraction } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import { CHANNEL_ID, GUILD_ID, MEMBER, type Harness, type HarnessOptions } from '../helpers/harness.js';
import { customIdOf } from '../helpers/image-loop.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply } from '../helpers/replies.js';
import { jobsIdle } from '../helpers/jobs.js';
import { OTHER_GUILD_ID, channelId } from '../helpers/ids.js';
import { readCard } from '../helpers/result-card.js';

/** A server that has not installed the bot, where a member uses it through their own install. */
const ELSEWHERE = OTHER_GUILD_ID;
const ELSEWHERE_CHANNEL = channelId(199);

/** Global commands (a user install works only with those), the bot's server and one without the bot. */
const personalBot = (env: Record<string, string> = {}): HarnessOptions => ({
  env: { DISCORD_GUILD_ID: '', PERSONAL_DAILY: '2', QUOTA_DAILY: '5', ...env },
  discord: {
    guilds: [
      { id: GUILD_ID, channels: [{ id: CHANNEL_ID, name: 'general' }] },
      { id: ELSEWHERE, botInstalled: false, channels: [{ id: ELSEWHERE_CHANNEL, name: 'lounge' }] },
    ],
  },
});

const today = () => utcDay(Date.now());
const personalUsed = (h: Harness) => h.storage.counters.used({ guildId: PERSONAL_GUILD_ID, userId: MEMBER.id, day: today() });
const serverUsed = (h: Harness, guildId: string) => h.storage.counters.used({ guildId, userId: MEMBER.id, day: today() });

const imagineIn = (h: Harness, where: 'dm' | 'elsewhere', prompt: string, locale?: string, count?: number): FakeInteraction =>
  h.discord.dispatchInteraction({
    commandName: 'imagine',
    ...(where === 'elsewhere' ? { guildId: ELSEWHERE, channelId: ELSEWHERE_CHANNEL } : {}),
    user: MEMBER,
    ...(locale ? { locale } : {}),
    options: [{ name: 'prompt', type: 3, value: prompt }, ...(count === undefined ? [] : [{ name: 'count', type: 4, value: count }])] as never,
  });

/** Every request the bot made to post in or read a channel (it may not, where it is not installed). */
const channelRequests = (h: Harness, channelId: string) => h.discord.requests.filter((request) => request.path.startsWith(`/channels/${channelId}`));

describe('user install: the bot in members’ own apps (PERSONAL_DAILY)', () => {
  it('registers /imagine, /quota and /history for guild and user installs in servers, bot DMs and group DMs; admin commands stay guild-only', async ({ bot }) => {
    const h = await bot(personalBot());
    const byName = new Map(h.discord.commands().map((command) => [command.name, command]));
    for (const name of ['imagine', 'quota', 'history']) {
      expect(byName.get(name)?.['integration_types'], name).toEqual([0, 1]);
      expect(byName.get(name)?.['contexts'], name).toEqual([0, 1, 2]);
    }
    expect(byName.get('imagine-admin')?.['integration_types']).toEqual([0]);
    expect(byName.get('imagine-admin')?.['contexts']).toEqual([0]);
    expect(byName.get('Edit image')?.['integration_types']).toEqual([0]);
  });

  it('in a DM: the image is answered through the interaction and spends the personal allowance, never a server’s; /quota shows it', async ({ bot }) => {
    const h = await bot(personalBot());
    const job = imagineIn(h, 'dm', 'a lighthouse in my DMs');
    expect((await firstReply(job)).type).toBe(CALLBACK_DEFERRED);
    const result = await job.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    expect(result.attachments).toHaveLength(1);
    await jobsIdle(h.app.jobs);
    expect(await personalUsed(h)).toBe(1);
    expect(await serverUsed(h, GUILD_ID)).toBe(0);

    const quota = await firstReply(h.discord.dispatchInteraction({ commandName: 'quota', user: MEMBER }));
    expect(quota.type).toBe(CALLBACK_MESSAGE);
    expect(quota.ephemeral).toBe(true);
    expect(quota.content).toContain(messages.personalQuotaToday(1, 2));

    const history = h.discord.dispatchInteraction({ commandName: 'history', user: MEMBER });
    expect((await firstReply(history)).ephemeral).toBe(true);
    const embed = history.original()?.embeds[0] as { title?: string; description?: string };
    expect(embed.title).toBe(messages.personalHistoryTitle);
    expect(embed.description).toContain('a lighthouse in my DMs');
    // A personal image's message is the member's (a DM, or a server without the bot): no jump link.
    expect(embed.description).not.toContain('https://discord.com/channels/');

    // Reroll under the DM result: the member's own image, paid from the same allowance.
    const reroll = h.discord.dispatchComponent({ messageId: result.id, customId: customIdOf(result, 'Reroll'), user: MEMBER });
    expect((await firstReply(reroll)).type).toBe(CALLBACK_DEFERRED);
    await reroll.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    await jobsIdle(h.app.jobs);
    expect(await personalUsed(h)).toBe(2);

    const spent = await firstReply(imagineIn(h, 'dm', 'one more', 'de'));
    expect(spent.ephemeral).toBe(true);
    expect(spent.content).toContain('Du hast deine 2 persönlichen Bilder für heute verbraucht (2/2)');
    expect(await personalUsed(h)).toBe(2);
    expect(h.kie.creates).toHaveLength(2);
  });

  it('in a server that has not installed the bot: answered through the interaction only, never in the channel; the personal allowance pays', async ({ bot }) => {
    const h = await bot(personalBot());
    const job = imagineIn(h, 'elsewhere', 'a lighthouse elsewhere');
    expect((await firstReply(job)).type).toBe(CALLBACK_DEFERRED);
    await job.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    await jobsIdle(h.app.jobs);
    expect(await personalUsed(h)).toBe(1);
    expect(await serverUsed(h, ELSEWHERE)).toBe(0);
    expect(await serverUsed(h, GUILD_ID)).toBe(0);
    expect(channelRequests(h, ELSEWHERE_CHANNEL)).toEqual([]);

    // The same member in the bot's own server spends that server's quota, not the personal allowance.
    const inServer = h.discord.dispatchInteraction({ commandName: 'imagine', guildId: GUILD_ID, channelId: CHANNEL_ID, user: MEMBER, options: [{ name: 'prompt', type: 3, value: 'at home' }] });
    await inServer.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    await jobsIdle(h.app.jobs);
    expect(await personalUsed(h)).toBe(1);
    expect(await serverUsed(h, GUILD_ID)).toBe(1);
  });

  it('a set through the personal install: all or none of the allowance, one message through the interaction, nothing in the channel', async ({ bot }) => {
    const h = await bot(personalBot());
    // Three asked, two left: refused in the member's language, nothing counted or started.
    const refused = await firstReply(imagineIn(h, 'elsewhere', 'three lighthouses', 'pt-BR', 3));
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toContain('Você pediu 3 imagens, mas hoje só restam 2.');
    expect(await personalUsed(h)).toBe(0);
    expect(h.kie.creates).toHaveLength(0);

    const set = imagineIn(h, 'elsewhere', 'two lighthouses', 'de', 2);
    expect((await firstReply(set)).type).toBe(CALLBACK_DEFERRED);
    const result = await set.waitForOriginal((m) => m.attachments.length === 2, 15_000);
    const card = readCard(result);
    expect(card.heading).toBe('### Deine 2 Bilder');
    expect(card.images).toEqual(result.attachments.map((attachment) => `attachment://${attachment.filename}`));
    await jobsIdle(h.app.jobs);
    expect(await personalUsed(h)).toBe(2);
    expect(await serverUsed(h, ELSEWHERE)).toBe(0);
    expect(await serverUsed(h, GUILD_ID)).toBe(0);
    expect(h.kie.creates).toHaveLength(2);
    expect(channelRequests(h, ELSEWHERE_CHANNEL)).toEqual([]);
    // Nothing went to the bot's own server's channel either.
    expect(channelRequests(h, CHANNEL_ID).filter((request) => request.method === 'POST')).toEqual([]);
  });

  it("the operator's DAILY_IMAGE_BUDGET counts personal images too", async ({ bot }) => {
    const h = await bot(personalBot({ DAILY_IMAGE_BUDGET: '1' }));
    const first = imagineIn(h, 'dm', 'the one the operator pays for');
    await first.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    await jobsIdle(h.app.jobs);
    const refused = await firstReply(imagineIn(h, 'elsewhere', 'over budget', 'fr'));
    expect(refused.content).toMatch(new RegExp(`^${messagesFor('fr').budgetSpent(0).slice(0, 40)}`));
    expect(await personalUsed(h)).toBe(1);
  });

  it('without PERSONAL_DAILY nothing changes: guild install only, and a DM is refused', async ({ bot }) => {
    const h = await bot({ env: { DISCORD_GUILD_ID: '' } });
    for (const command of h.discord.commands()) expect(command['integration_types'], command.name).toEqual([0]);
    expect(() => imagineIn(h, 'dm', 'not here')).toThrow(/not registered for user install/);
  });
});
