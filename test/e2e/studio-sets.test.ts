import { describe, expect } from 'vitest';
import { messages } from '../../src/messages.js';
import { utcDay } from '../../src/quota/day.js';
import type { FakeMessage, FakeUserSpec } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import { CHANNEL_ID, GUILD_ID, MEMBER, type Harness, type HarnessOptions } from '../helpers/harness.js';
import { buttonsOf, customIdOf, expectImageButtons, expectSetButtons, hasImage, press, privateAnswer } from '../helpers/image-loop.js';
import { redisBotStorage, redisTestUrl } from '../helpers/redis.js';
import { readCard } from '../helpers/result-card.js';

const NEIGHBOUR: FakeUserSpec = { id: '1200000000000000002', username: 'neighbour' };

interface CreateBody {
  model: string;
  input: Record<string, unknown>;
}

const createBodies = (h: Harness): CreateBody[] => h.kie.creates.filter((call) => call.taskId !== undefined).map((call) => call.body as CreateBody);
const used = (h: Harness, userId = MEMBER.id) => h.storage.counters.used({ guildId: GUILD_ID, userId, day: utcDay(Date.now()) });
/** The card's details, and the line that starts with a field's name. */
const detailLine = (message: FakeMessage, name: string) => readCard(message).details.split('\n').flatMap((line) => line.split(' · ')).find((part) => part.startsWith(`**${name}** `));

type Stage = (defer: (cleanup: () => Promise<unknown>) => void) => HarnessOptions;
const STORES: Array<[string, Stage]> = [
  ['SQLite', () => ({})],
  ...(redisTestUrl() ? [['Redis', (defer: (cleanup: () => Promise<unknown>) => void) => redisBotStorage(defer)] as [string, Stage]] : []),
];

describe.each(STORES)('the studio on %s: count, Upscale, lineage', (_store, stage) => {
  it('count 4 with 3 units left is refused privately, saying how many are left; nothing is created or counted', async ({ bot, defer }) => {
    const h = await bot({ ...stage(defer), env: { QUOTA_DAILY: '3' } });
    const interaction = h.imagine({ prompt: 'four foxes', count: 4 });
    const answer = await privateAnswer(interaction);
    expect(answer).toContain('only 3 images are left today');
    expect(answer).toContain('Nothing was counted');
    expect(h.kie.creates).toEqual([]);
    expect(await used(h)).toBe(0);
    expect(await h.storage.counters.budgetUsed(utcDay(Date.now()))).toBe(0);
  });

  it('count 4 with one failing task: one message with the three images, the failure said and its unit back', async ({ bot, defer }) => {
    const h = await bot({ ...stage(defer), env: { QUOTA_DAILY: '10' } });
    h.kie.nextCreate({ scenario: { outcome: 'fail', failMsg: 'internal error', durationMs: 300 } });
    const interaction = h.imagine({ prompt: 'four foxes', count: 4 });
    const message = await interaction.waitForOriginal(hasImage, 20_000);
    expect(createBodies(h)).toHaveLength(4);
    expect(message.attachments).toHaveLength(3);
    // One card: a gallery of the three images, the failure said under the details.
    const card = readCard(message);
    expect(card.images).toEqual(message.attachments.map((attachment) => `attachment://${attachment.filename}`));
    expect(card.heading).toBe(`### ${messages.resultTitleSet(3)}`);
    expect(card.details).toContain('One image of this set could not be made');
    expectSetButtons(message, 3);
    await expect.poll(() => used(h), { timeout: 5_000 }).toBe(3);
    // Every image of the set is in /history, each with its own entry.
    const history = h.command('history');
    await history.waitForResponse();
    const description = (history.original()!.embeds[0] as { description: string }).description;
    expect(description.match(/four foxes/g)).toHaveLength(3);
    // Nothing is left open in the ledger.
    await expect.poll(async () => (await h.storage.ledger.openJobs()).jobs.length, { timeout: 5_000 }).toBe(0);
  });

  it('20 presses of `Upscale 2` at once with 2 units left make exactly 2 upscale tasks, each a new message linked to its parent', async ({ bot, defer }) => {
    const h = await bot({ ...stage(defer), env: { QUOTA_DAILY: '4', MAX_ACTIVE_PER_MEMBER: '25' } });
    const set = await h.imagine({ prompt: 'two owls', count: 2 }).waitForOriginal(hasImage, 20_000);
    expectSetButtons(set, 2);
    await expect.poll(() => used(h), { timeout: 5_000 }).toBe(2);
    const second = set.attachments[1]!;
    const presses = Array.from({ length: 20 }, () => press(h.discord, set, 'Upscale 2', MEMBER));
    const answers = await Promise.all(presses.map((interaction) => interaction.waitForResponse()));
    for (const answer of answers) expect(answer.latencyMs).toBeLessThan(3000);
    expect(answers.filter((answer) => answer.type === 5)).toHaveLength(2);
    const upscaled = await Promise.all(presses.filter((_, index) => answers[index]!.type === 5).map((interaction) => interaction.waitForOriginal(hasImage, 20_000)));
    const upscales = createBodies(h).filter((body) => body.model === 'topaz/image-upscale');
    expect(upscales).toEqual(Array.from({ length: 2 }, () => ({ model: 'topaz/image-upscale', input: { image_url: h.discord.attachmentUrl(CHANNEL_ID, second), upscale_factor: '2' } })));
    expect(await used(h)).toBe(4);
    for (const message of upscaled) {
      // Edit, Reroll and Delete; no Upscale on what is now 4K.
      expectImageButtons(message, { upscale: false });
      expect(detailLine(message, 'Quality')).toBe('**Quality** 4K (upscaled ×2)');
      expect(detailLine(message, messages.parentField)).toContain(`https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${set.id}`);
    }
    const refused = presses.filter((_, index) => answers[index]!.type === 4);
    expect(await privateAnswer(refused[0]!)).toContain('used your 4 images');
    // /history names each upscale's parent.
    const history = h.command('history');
    await history.waitForResponse();
    const description = (history.original()!.embeds[0] as { description: string }).description;
    expect(description.match(new RegExp(`\\[From\\]\\(https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${set.id}\\)`, 'g'))).toHaveLength(2);
  });

  it('Reroll of an upscale upscales again; a 4K image has no Upscale and an old press on one is refused', async ({ bot, defer }) => {
    const h = await bot({ ...stage(defer) });
    const image = await h.imagine({ prompt: 'a lighthouse' }).waitForOriginal(hasImage, 20_000);
    expectImageButtons(image);
    const upscale = press(h.discord, image, 'Upscale', MEMBER);
    const upscaled = await upscale.waitForOriginal(hasImage, 20_000);
    const reroll = press(h.discord, upscaled, 'Reroll', NEIGHBOUR);
    const again = await reroll.waitForOriginal(hasImage, 20_000);
    expect(createBodies(h).map((body) => body.model)).toEqual(['seedream/4.5-text-to-image', 'topaz/image-upscale', 'topaz/image-upscale']);
    expect(detailLine(again, messages.parentField)).toContain(upscaled.id);
    const forged = h.discord.dispatchComponent({ messageId: upscaled.id, customId: customIdOf(upscaled, 'Edit').replace(':edit:', ':upscale:'), user: MEMBER });
    expect(await privateAnswer(forged)).toBe(messages.upscaleUnavailable);

    const uhd = await h.imagine({ prompt: 'a lighthouse at night', quality: 'high' }).waitForOriginal(hasImage, 20_000);
    expectImageButtons(uhd, { upscale: false });
  });

  it('Reroll of a set makes the whole set again; Delete removes the message and every image of it from /history', async ({ bot, defer }) => {
    const h = await bot({ ...stage(defer), env: { QUOTA_DAILY: '10', MAX_ACTIVE_PER_MEMBER: '8' } });
    const set = await h.imagine({ prompt: 'three kites', count: 3 }).waitForOriginal(hasImage, 20_000);
    const reroll = press(h.discord, set, 'Reroll', MEMBER);
    const again = await reroll.waitForOriginal(hasImage, 20_000);
    expect(again.attachments).toHaveLength(3);
    expectSetButtons(again, 3);
    expect(detailLine(again, messages.parentField)).toContain(set.id);
    expect(await used(h)).toBe(6);
    const remove = press(h.discord, set, 'Delete', MEMBER);
    expect((await remove.waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(set.id), { timeout: 5_000 }).toBeUndefined();
    const page = await h.storage.history.listForMember(GUILD_ID, MEMBER.id, { offset: 0, limit: 10 }, Date.now());
    expect(page.total).toBe(3);
    expect(page.entries.every((entry) => entry.messageId === again.id)).toBe(true);
    expect(buttonsOf(again).every((button) => (button.custom_id ?? '').length <= 100)).toBe(true);
  });
});
