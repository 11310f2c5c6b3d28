import { describe, expect } from 'vitest';
import { SqliteJobLedger } from '../../src/jobs/ledger.js';
import { messages } from '../../src/messages.js';
import { openStorage } from '../../src/storage/index.js';
import { FakeDiscord, type FakeInteraction, type FakeMessage } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { it } from '../helpers/fixtures.js';
import { CHANNEL_ID, GUILD_ID, MEMBER, type Harness } from '../helpers/harness.js';
import { hasImage, press, privateAnswer } from '../helpers/image-loop.js';
import { CALLBACK_DEFERRED, EPHEMERAL, firstReply } from '../helpers/replies.js';
import { IS_COMPONENTS_V2, readCard } from '../helpers/result-card.js';
import { sqliteOf } from '../helpers/storage.js';
import { jobsIdle } from '../helpers/jobs.js';

const GUILD = { id: GUILD_ID, name: 'Test guild', channels: [{ id: CHANNEL_ID, name: 'general' }] };

/** The interaction's first answer was a deferral; `ephemeral` says whether only the member saw it. */
async function expectDeferred(interaction: FakeInteraction, ephemeral: boolean): Promise<void> {
  const first = await firstReply(interaction);
  expect(first.type).toBe(CALLBACK_DEFERRED);
  expect(first.ephemeral).toBe(ephemeral);
}

/** A delivered private result: an ephemeral result card, its file shown by the gallery. */
function expectPrivateCard(message: FakeMessage): void {
  expect(message.flags & EPHEMERAL).toBe(EPHEMERAL);
  expect(message.flags & IS_COMPONENTS_V2).toBe(IS_COMPONENTS_V2);
  expect(readCard(message).images).toEqual([`attachment://${message.attachments[0]!.filename}`]);
}

const channelImages = (h: Harness) => h.discord.channelMessages(CHANNEL_ID).filter(hasImage);

describe('private results', () => {
  it('/imagine private:true: the deferral, status and card are ephemeral (a set too); its Reroll, Edit and Upscale are private too; /history gives no link; Delete works', async ({ bot }) => {
    const h = await bot();
    const asked = h.imagine({ prompt: 'a secret garden', private: true });
    await expectDeferred(asked, true);
    const result = await asked.waitForOriginal(hasImage, 15_000);
    expectPrivateCard(result);
    expect(asked.edits.every((edit) => (edit.flags & EPHEMERAL) === EPHEMERAL)).toBe(true);

    const reroll = press(h.discord, result, 'Reroll', MEMBER);
    await expectDeferred(reroll, true);
    expectPrivateCard(await reroll.waitForOriginal(hasImage, 15_000));

    const opener = press(h.discord, result, 'Edit', MEMBER);
    expect((await opener.waitForResponse()).type).toBe(9);
    const edit = h.discord.submitModal(opener, { change: 'add fireflies' });
    await expectDeferred(edit, true);
    expectPrivateCard(await edit.waitForOriginal(hasImage, 15_000));
    // The edit started from the private picture, read from the ephemeral message it was pressed on.
    const editBody = h.kie.creates.filter((call) => call.taskId !== undefined).at(-1)!.body as { input: { prompt: string; image_urls: string[] } };
    expect(editBody.input.prompt).toBe('add fireflies');
    expect(editBody.input.image_urls).toEqual([h.discord.attachmentUrl(CHANNEL_ID, result.attachments[0]!)]);

    const upscale = press(h.discord, result, 'Upscale', MEMBER);
    await expectDeferred(upscale, true);
    expectPrivateCard(await upscale.waitForOriginal(hasImage, 15_000));

    // A private set: one ephemeral card with both images.
    const set = h.imagine({ prompt: 'two secrets', private: true, count: 2 });
    await expectDeferred(set, true);
    const setCard = await set.waitForOriginal((message) => message.attachments.length === 2, 15_000);
    expect(setCard.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(readCard(setCard).images).toEqual(setCard.attachments.map((attachment) => `attachment://${attachment.filename}`));

    // Nothing reached the channel; a public image does.
    expect(channelImages(h)).toEqual([]);
    const publicAsk = h.imagine({ prompt: 'a public park' });
    await expectDeferred(publicAsk, false);
    const publicImage = await publicAsk.waitForOriginal(hasImage, 15_000);
    expect(publicImage.flags & EPHEMERAL).toBe(0);
    await jobsIdle(h.app.jobs);

    const history = h.command('history');
    await history.waitForResponse();
    const listed = (history.original()!.embeds[0] as { description: string }).description;
    for (const prompt of ['a secret garden', 'add fireflies', 'two secrets', 'a public park']) expect(listed).toContain(prompt);
    expect(listed.match(/https:\/\/discord\.com\/channels\//g)).toEqual(['https://discord.com/channels/']);
    expect(listed).toContain(`https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${publicImage.id}`);

    // Delete on an ephemeral card goes through the interaction (its channel does not know the message).
    const deleted = press(h.discord, result, 'Delete', MEMBER);
    expect((await deleted.waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(result.id), { timeout: 5_000 }).toBeUndefined();
    expect(h.discord.findMessage(publicImage.id)).toBeDefined();
  });

  it('/settings private:true makes results private by default; private:false on the command still wins', async ({ bot }) => {
    const h = await bot();
    const saved = await privateAnswer(h.command('settings', [{ name: 'private', type: 5, value: true }]));
    expect(saved).toContain(messages.defaultPrivate(true));
    const byDefault = h.imagine({ prompt: 'quietly' });
    await expectDeferred(byDefault, true);
    expectPrivateCard(await byDefault.waitForOriginal(hasImage, 15_000));
    const explicit = h.imagine({ prompt: 'out loud', private: false });
    await expectDeferred(explicit, false);
    const shown = await explicit.waitForOriginal(hasImage, 15_000);
    expect(shown.flags & EPHEMERAL).toBe(0);
    expect(await privateAnswer(h.command('settings'))).toContain(messages.defaultPrivate(true));
  });

  it('after the interaction token a private result goes by DM, never to the channel, also when a restarted bot finds it in the ledger', async ({ bot, defer, tempDir }) => {
    const discord = await FakeDiscord.start({ guilds: [GUILD], tokenLifetimeMs: 2_000 });
    defer(async () => {
      await discord.close();
      discord.assertConformingRequests();
    });
    const kie = await FakeKie.start({ defaultScenario: { durationMs: 4_000 } });
    defer(() => kie.close());
    const dir = await tempDir('private-restart');
    const storageUrl = `sqlite://${dir.file('bot.sqlite')}`;
    const shared = { sharedDiscord: discord, sharedKie: kie, storageUrl, tuning: { tokenLifetimeMs: 2_000 } };

    // Late in a running bot: the DM, not the channel.
    const running = await bot(shared);
    running.imagine({ prompt: 'a late secret', private: true });
    await expect.poll(() => discord.dmChannelOf(MEMBER.id), { timeout: 15_000 }).toBeDefined();
    const dm = discord.dmChannelOf(MEMBER.id)!;
    await expect.poll(() => discord.channelMessages(dm).filter(hasImage).length, { timeout: 10_000 }).toBe(1);
    expect(readCard(discord.channelMessages(dm).find(hasImage)!).prompt).toBe('a late secret');
    await jobsIdle(running.app.jobs);

    // Stopped while its task runs: the ledger keeps the job, private; the next bot delivers it by DM.
    const stopping = running.imagine({ prompt: 'a parked secret', private: true });
    await kie.waitFor(() => kie.creates.filter((call) => call.taskId !== undefined).length === 2, 10_000);
    const ledger = await SqliteJobLedger.create(sqliteOf(running.storage));
    await expect.poll(async () => (await ledger.openJobs()).jobs.map((job) => job.phase), { timeout: 5_000 }).toEqual(['watching']);
    await running.close();
    const { jobs } = await withLedger(storageUrl, (ledger) => ledger.openJobs());
    expect(jobs.map((job) => job.private)).toEqual([true]);
    expect(stopping.isEphemeral()).toBe(true);

    await bot(shared);
    await expect.poll(() => discord.channelMessages(dm).filter(hasImage).length, { timeout: 20_000 }).toBe(2);
    const resumed = discord.channelMessages(dm).filter(hasImage)[1]!;
    const card = readCard(resumed);
    expect(card.prompt).toBe('a parked secret');
    expect(card.heading).toContain(messages.lateDelivery(MEMBER.id));
    expect(discord.channelMessages(CHANNEL_ID).filter(hasImage)).toEqual([]);
  }, 60_000);
});

/** Reads the ledger of a stopped bot's SQLite file. */
async function withLedger<T>(storageUrl: string, read: (ledger: SqliteJobLedger) => Promise<T>): Promise<T> {
  const storage = await openStorage(storageUrl);
  try {
    return await read(await SqliteJobLedger.create(sqliteOf(storage)));
  } finally {
    await storage.close();
  }
}
