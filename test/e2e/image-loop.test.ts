import { Routes } from 'discord.js';
import { describe, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { HistoryEntry } from '../../src/history/history.js';
import { messages } from '../../src/messages.js';
import { utcDay } from '../../src/quota/day.js';
import type { FakeInteraction, FakeMessage } from '../fakes/discord/index.js';
import { it, type Fixtures } from '../helpers/fixtures.js';
import { redisBotStorage, redisTestUrl } from '../helpers/redis.js';
import type { Harness } from '../helpers/harness.js';
import { CHANNEL_ID, GUILD_ID, MANAGE_MESSAGES, MEMBER, messageId, OTHER_GUILD_ID, person } from '../helpers/ids.js';
import { buttonsOf, customIdOf, expectImageButtons, hasImage, privateAnswer } from '../helpers/image-loop.js';
import { jobsIdle } from '../helpers/jobs.js';
import type { ImagineArgs } from '../helpers/members.js';

const OTHER = person('neighbour');

/** The people of these stories: the painter (MEMBER) makes images, a neighbour uses them, a moderator tidies up. */
const painter = (h: Harness) => h.guild.member(MEMBER);
const neighbour = (h: Harness) => h.guild.member(OTHER);
const moderator = (h: Harness) => h.guild.member('moderator', { permissions: MANAGE_MESSAGES });

interface CreateBody {
  model: string;
  input: { prompt: string; aspect_ratio: string; quality: string; image_urls?: string[] };
}

const createBodies = (h: Harness): CreateBody[] => h.kie.creates.filter((call) => call.taskId !== undefined).map((call) => call.body as CreateBody);
const used = (h: Harness, userId: string) => h.storage.counters.used({ guildId: GUILD_ID, userId, day: utcDay(Date.now()) });

/** A small PNG, as a member would attach it. */
const png = async (h: Harness) => ({ filename: 'photo.png', contentType: 'image/png', bytes: await h.kie.imageBytes('small') });

/** /imagine by the painter, delivered: the reply with its image and buttons. */
async function deliveredImage(h: Harness, prompt = 'a red fox in the snow', extra: Omit<ImagineArgs, 'prompt'> = {}): Promise<FakeMessage> {
  return painter(h).imagine({ prompt, ...extra }).waitForOriginal(hasImage, 15_000);
}

/** The interaction's first answer, checked to be of `type` and to have come within Discord's 3 s. */
async function answeredWithin3s(interaction: FakeInteraction, type: number) {
  const answer = await interaction.waitForResponse();
  expect(answer.type).toBe(type);
  expect(answer.latencyMs).toBeLessThan(3000);
  return answer;
}

describe('the image loop: Reroll, Edit and Delete under every image', () => {
  it('a delivered image carries the three buttons, with versioned custom_ids naming the job', async ({ bot }) => {
    const h = await bot();
    const image = await deliveredImage(h);
    expectImageButtons(image);
    const jobIds = new Set(buttonsOf(image).map((button) => button.custom_id!.split(':')[3]));
    expect(jobIds.size).toBe(1);
  });

  it('Reroll: same prompt and settings, a new public reply with its own buttons, paid by whoever pressed', async ({ bot }) => {
    const h = await bot();
    const image = await deliveredImage(h, 'a castle on a cliff', { aspect: '16:9', quality: 'high' });
    const reroll = neighbour(h).press(image, 'Reroll');
    await answeredWithin3s(reroll, 5);
    const rerolled = await reroll.waitForOriginal(hasImage, 15_000);
    expect(reroll.isEphemeral()).toBe(false);
    expect(rerolled.id).not.toBe(image.id);
    expectImageButtons(rerolled, { upscale: false });
    expect(createBodies(h)).toEqual([
      { model: 'seedream/4.5-text-to-image', input: { prompt: 'a castle on a cliff', aspect_ratio: '16:9', quality: 'high' } },
      { model: 'seedream/4.5-text-to-image', input: { prompt: 'a castle on a cliff', aspect_ratio: '16:9', quality: 'high' } },
    ]);
    expect(await used(h, MEMBER.id)).toBe(1);
    expect(await used(h, OTHER.id)).toBe(1);
    // The original keeps its image and buttons.
    expect(h.discord.findMessage(image.id)?.attachments).toHaveLength(1);
  });

  it('Reroll goes through admission: over quota and paused are refused privately, with no task', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '1' } });
    const image = await deliveredImage(h);
    const overQuota = await privateAnswer(painter(h).press(image, 'Reroll'));
    expect(overQuota).toContain('You have used your 1 image for today');
    await h.app.services.settings.setPaused(GUILD_ID, true);
    expect(await privateAnswer(neighbour(h).press(image, 'Reroll'))).toBe(messages.paused);
    expect(createBodies(h)).toHaveLength(1);
    expect(await used(h, OTHER.id)).toBe(0);
  });

  it('50 presses at once with 3 units left start exactly 3 tasks', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '4' }, kie: { defaultScenario: { outcome: 'never' } } });
    const first = painter(h).imagine({ prompt: 'a lantern' });
    await h.kie.waitFor(() => h.kie.creates.length === 1);
    h.kie.completeTask(h.kie.creates[0]!.taskId!);
    const image = await first.waitForOriginal(hasImage, 15_000);
    const presses = Array.from({ length: 50 }, () => painter(h).press(image, 'Reroll'));
    const acks = await Promise.all(presses.map((interaction) => interaction.waitForResponse(10_000)));
    expect(acks.every((ack) => ack.status < 300 && ack.latencyMs < 3000)).toBe(true);
    expect(acks.filter((ack) => ack.type === 5)).toHaveLength(3);
    expect(acks.filter((ack) => ack.type === 4)).toHaveLength(47);
    await h.kie.waitFor(() => createBodies(h).length === 4);
    expect(await used(h, MEMBER.id)).toBe(4);
    // Every press is answered, so every job there will be has started: the first image's is settled, three run.
    expect(h.app.jobs.inFlight).toBe(3);
    expect(createBodies(h)).toHaveLength(4);
  });

  it('Edit: a modal, then seedream/4.5-edit of the delivered image with the text as prompt, same aspect and quality', async ({ bot }) => {
    const h = await bot();
    const image = await deliveredImage(h, 'a quiet harbour', { aspect: '3:2', quality: 'basic' });
    const opener = neighbour(h).press(image, 'Edit');
    const callback = await answeredWithin3s(opener, 9);
    const modal = callback.data as { custom_id: string; title: string; components: Array<{ type: number; component: Record<string, unknown> }> };
    expect(modal.custom_id.length).toBeLessThanOrEqual(100);
    expect(modal.components).toHaveLength(1);
    expect(modal.components[0]!.component).toMatchObject({ type: 4, min_length: 1, max_length: 3000, required: true });
    expect(modal.components[0]!.component).not.toHaveProperty('value');

    const submitted = await neighbour(h).submit(opener, 'Edit', { text: 'make it night, with lanterns' });
    expect((await submitted.waitForResponse()).type).toBe(5);
    const edited = await submitted.waitForOriginal(hasImage, 15_000);
    expectImageButtons(edited);
    const [, edit] = createBodies(h);
    expect(edit).toEqual({
      model: 'seedream/4.5-edit',
      input: { prompt: 'make it night, with lanterns', aspect_ratio: '3:2', quality: 'basic', image_urls: [h.discord.attachmentUrl(image.channelId, image.attachments[0]!)] },
    });
    expect(await used(h, OTHER.id)).toBe(1);
  });

  it('Edit text with a banned word is refused privately, with no task and nothing counted', async ({ bot }) => {
    const h = await bot();
    const image = await deliveredImage(h);
    await h.app.services.settings.addBannedWord(GUILD_ID, 'gore');
    const submitted = await neighbour(h).submit(neighbour(h).press(image, 'Edit'), 'Edit', { text: 'add some GORE please' });
    expect(await privateAnswer(submitted)).toBe(messages.bannedWord('gore'));
    expect(createBodies(h)).toHaveLength(1);
    expect(await used(h, OTHER.id)).toBe(0);
  });

  it('Delete: refused to other members, allowed to the one who asked and to Manage Messages', async ({ bot }) => {
    const h = await bot();
    const first = await deliveredImage(h, 'first');
    expect(await privateAnswer(neighbour(h).press(first, 'Delete'))).toBe(messages.deleteNotAllowed);
    expect(h.discord.findMessage(first.id)?.attachments).toHaveLength(1);

    const byOwner = painter(h).press(first, 'Delete');
    expect((await byOwner.waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(first.id), { timeout: 5_000 }).toBeUndefined();

    const second = await deliveredImage(h, 'second');
    const byModerator = moderator(h).press(second, 'Delete');
    expect((await byModerator.waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(second.id), { timeout: 5_000 }).toBeUndefined();
    expect(h.discord.requests.filter((request) => request.method === 'DELETE').map((request) => request.path)).toEqual([
      `/channels/${CHANNEL_ID}/messages/${first.id}`,
      `/channels/${CHANNEL_ID}/messages/${second.id}`,
    ]);
    // A deleted image leaves the history too.
    const history = await h.app.services.history.listForMember(GUILD_ID, MEMBER.id, { offset: 0, limit: 10 }, Date.now());
    expect(history.total).toBe(0);
  });

  it('Delete where the bot cannot reach the channel: the message goes through the interaction instead', async ({ bot }) => {
    const h = await bot();
    const image = await deliveredImage(h, 'unreachable');
    h.discord.injectFault({ method: 'DELETE', path: /^\/channels\//, status: 403, body: { message: 'Missing Access', code: 50001 } });
    expect((await painter(h).press(image, 'Delete').waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(image.id), { timeout: 5_000 }).toBeUndefined();
    expect(h.discord.requests.filter((request) => request.method === 'DELETE').map((request) => request.status)).toEqual([403, 204]);
  });

  it('Delete of an image someone already deleted by hand: acknowledged, its history entry goes, no error shown', async ({ bot }) => {
    const h = await bot();
    const image = await deliveredImage(h, 'already gone');
    const stale = h.discord.findMessage(image.id)!;
    h.discord.injectFault({ method: 'DELETE', path: /^\/channels\//, status: 404, body: { message: 'Unknown Message', code: 10008 } });
    const pressed = painter(h).press(stale, 'Delete');
    expect((await pressed.waitForResponse()).type).toBe(6);
    await expect.poll(async () => (await h.app.services.history.listForMember(GUILD_ID, MEMBER.id, { offset: 0, limit: 10 }, Date.now())).total, { timeout: 5_000 }).toBe(0);
    expect(pressed.followups).toEqual([]);
    expect(h.discord.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
  });

  it('an image Discord refused to take leaves nothing in the history', async ({ bot }) => {
    const h = await bot();
    // Every edit of the reply is refused (400): the image upload fails for good, after its entry was written.
    h.discord.injectFault({ method: 'PATCH', path: /\/messages\/@original$/, status: 400, body: { message: 'Invalid Form Body', code: 50035 }, times: 1000 });
    painter(h).imagine({ prompt: 'a refused upload' });
    await h.kie.waitFor(() => h.kie.downloads.length === 1, 15_000);
    await jobsIdle(h.app.jobs);
    expect((await h.storage.history.listForMember(GUILD_ID, MEMBER.id, { offset: 0, limit: 10 }, Date.now())).total).toBe(0);
    expect(await used(h, MEMBER.id)).toBe(0);
  });

  it('a button whose record is gone says privately that the image is too old', async ({ bot }) => {
    const h = await bot();
    const image = await deliveredImage(h);
    for (const customId of [`img:v1:reroll:${randomUUID()}`, `img:v1:edit:${randomUUID()}`]) {
      const interaction = h.discord.dispatchComponent({ messageId: image.id, customId, user: OTHER });
      expect(await privateAnswer(interaction)).toBe(messages.imageExpired);
    }
    expect(createBodies(h)).toHaveLength(1);
  });

  it('a button or form of an older version, or not ours, says privately within 3 s that it no longer works', async ({ bot }) => {
    const h = await bot();
    const image = await deliveredImage(h);
    const foreign = ['img:v0:reroll:abc', 'img:v1:explode:abc', `img:v1:editjob:${randomUUID()}`, 'poll:vote:3', 'garbage', 'x'.repeat(100)];
    for (const customId of foreign) {
      const interaction = h.discord.dispatchComponent({ messageId: image.id, customId, user: OTHER });
      expect(await privateAnswer(interaction)).toBe(messages.buttonUnknown);
      expect((await interaction.waitForResponse()).latencyMs).toBeLessThan(3_000);
    }
    const opener = painter(h).press(image, 'Edit');
    await opener.waitForResponse();
    // Forms of another version or of another app: sent as Discord would, under a custom_id the bot no longer knows.
    for (const customId of ['img:v0:editjob:abc', `img:v1:reroll:${randomUUID()}`, 'someone-elses-form']) {
      const submission = h.discord.submitModal(opener, { change: 'make it blue' }, customId);
      expect(await privateAnswer(submission)).toBe(messages.formUnknown);
      expect((await submission.waitForResponse()).latencyMs).toBeLessThan(3_000);
    }
    expect(createBodies(h)).toHaveLength(1);
  });

  it('Delete removes only the message its history entry names: a copy of the image with the same buttons goes alone', async ({ bot }) => {
    const h = await bot();
    const named = await deliveredImage(h, 'a lighthouse with a copy');
    // The entry names its message once the job is settled.
    await jobsIdle(h.app.jobs);
    const jobId = customIdOf(named, 'Delete').split(':')[3]!;
    // Another message of the bot's carrying the same job's buttons (as a late channel post would).
    const postCopy = async () => {
      const sent = (await h.app.client.rest.post(Routes.channelMessages(CHANNEL_ID), {
        body: { content: 'a copy', components: named.components, allowed_mentions: { parse: [] } },
      })) as { id: string };
      return h.discord.findMessage(sent.id)!;
    };
    const entry = () => h.app.services.history.get(jobId, Date.now());

    const copy = await postCopy();
    expect((await painter(h).press(copy, 'Delete').waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(copy.id), { timeout: 5_000 }).toBeUndefined();
    expect(h.discord.findMessage(named.id)?.attachments).toHaveLength(1);
    expect((await entry())?.messageId).toBe(named.id);

    // Vice versa: the named message goes, with its entry; a copy elsewhere is not touched.
    const another = await postCopy();
    expect((await painter(h).press(named, 'Delete').waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(named.id), { timeout: 5_000 }).toBeUndefined();
    await expect.poll(entry).toBeUndefined();
    expect(h.discord.findMessage(another.id)).toBeDefined();
    expect(h.discord.requests.filter((request) => request.method === 'DELETE').map((request) => request.path)).toEqual([
      `/channels/${CHANNEL_ID}/messages/${copy.id}`,
      `/channels/${CHANNEL_ID}/messages/${named.id}`,
    ]);
  });

  it('the buttons come with the late channel message and with the DM, and work from there', async ({ bot }) => {
    const h = await bot({ tuning: { tokenLifetimeMs: 2_000 }, discord: { tokenLifetimeMs: 2_000 }, kie: { defaultScenario: { durationMs: 3_000 } } });
    painter(h).imagine({ prompt: 'a late train' });
    await expect.poll(() => h.discord.channelMessages(CHANNEL_ID).filter(hasImage).length, { timeout: 15_000 }).toBe(1);
    const late = h.discord.channelMessages(CHANNEL_ID).find(hasImage)!;
    expectImageButtons(late);

    h.discord.injectFault({ method: 'POST', path: new RegExp(`^/channels/${CHANNEL_ID}/messages$`), status: 403, body: { message: 'Missing Permissions', code: 50013 } });
    painter(h).imagine({ prompt: 'a late tram' });
    await expect.poll(() => h.discord.dmChannelOf(MEMBER.id), { timeout: 15_000 }).toBeDefined();
    const dm = h.discord.dmChannelOf(MEMBER.id)!;
    await expect.poll(() => h.discord.channelMessages(dm).filter(hasImage).length, { timeout: 5_000 }).toBe(1);
    const direct = h.discord.channelMessages(dm).find(hasImage)!;
    expectImageButtons(direct);

    // Reroll from the DM counts against the member's quota in the image's server.
    const fromDm = painter(h).press(direct, 'Reroll');
    expect((await fromDm.waitForResponse()).type).toBe(5);
    await h.kie.waitFor(() => createBodies(h).length === 3, 10_000);
    expect(createBodies(h)[2]!.input.prompt).toBe('a late tram');
    await jobsIdle(h.app.jobs);
    expect(await used(h, MEMBER.id)).toBe(3);
    // Delete from the DM removes the DM message.
    const deleted = painter(h).press(direct, 'Delete');
    expect((await deleted.waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(direct.id), { timeout: 5_000 }).toBeUndefined();
  });
});

describe.skipIf(!redisTestUrl())('the image loop on Redis', () => {
  const redisBot = (bot: Fixtures['bot'], defer: Fixtures['defer'], env: Record<string, string> = {}): Promise<Harness> =>
    bot({ ...redisBotStorage(defer), env });

  it('Reroll and Edit read the image from the history in Redis, and /history lists all three', async ({ bot, defer }) => {
    const h = await redisBot(bot, defer);
    const image = await deliveredImage(h, 'a paper boat');
    const reroll = painter(h).press(image, 'Reroll');
    await reroll.waitForOriginal(hasImage, 15_000);
    const submitted = await painter(h).submit(painter(h).press(image, 'Edit'), 'Edit', { text: 'make it sail at night' });
    await submitted.waitForOriginal(hasImage, 15_000);
    expect(createBodies(h).map((body) => body.model)).toEqual(['seedream/4.5-text-to-image', 'seedream/4.5-text-to-image', 'seedream/4.5-edit']);
    const history = painter(h).history();
    await history.waitForResponse();
    const description = (history.original()!.embeds[0] as { description: string }).description;
    expect(description.match(/<t:\d+:f>/g)).toHaveLength(3);
    expect(description).toContain('make it sail at night');
  });

  it('50 Reroll presses at once with 3 units left start exactly 3 tasks', async ({ bot, defer }) => {
    const h = await redisBot(bot, defer, { QUOTA_DAILY: '4' });
    const image = await deliveredImage(h, 'a kite');
    const presses = Array.from({ length: 50 }, () => painter(h).press(image, 'Reroll'));
    const acks = await Promise.all(presses.map((interaction) => interaction.waitForResponse(10_000)));
    expect(acks.filter((ack) => ack.type === 5)).toHaveLength(3);
    // A job counts as running once the ledger has it, a moment after its defer: under load idle() could come first.
    await h.kie.waitFor(() => createBodies(h).length >= 4, 10_000);
    await jobsIdle(h.app.jobs);
    expect(createBodies(h)).toHaveLength(4);
    expect(await used(h, MEMBER.id)).toBe(4);
  });
});

describe('starting from a picture', () => {

  it('/imagine with an image attachment runs seedream/4.5-edit with that picture', async ({ bot }) => {
    const h = await bot();
    const interaction = painter(h).imagine({ prompt: 'turn it into a watercolour', image: await png(h) });
    const delivered = await interaction.waitForOriginal(hasImage, 15_000);
    expectImageButtons(delivered);
    const [create] = createBodies(h);
    expect(create!.model).toBe('seedream/4.5-edit');
    expect(create!.input.image_urls).toHaveLength(1);
    expect(create!.input.image_urls![0]).toMatch(/\/attachments\/\d+\/\d+\/photo\.png\?ex=/);
  });

  it.for([
    ['not an image', { filename: 'notes.txt', contentType: 'text/plain', bytes: Buffer.from('hello') }, 'not a picture'],
    ['a GIF', { filename: 'anim.gif', contentType: 'image/gif', bytes: Buffer.from('GIF89a') }, 'image/gif'],
    ['over 10 MB', { filename: 'huge.png', contentType: 'image/png', bytes: Buffer.from('x'), size: 10 * 1024 * 1024 + 1 }, 'at most 10 MB'],
  ] as const)('/imagine with %s is refused at once, privately, without a task', async ([, upload, words], { bot }) => {
    const h = await bot();
    const interaction = painter(h).imagine({ prompt: 'anything', image: upload });
    expect(await privateAnswer(interaction)).toContain(words);
    expect(h.kie.creates).toHaveLength(0);
    expect(await used(h, MEMBER.id)).toBe(0);
  });

  it('"Edit image" on a member\'s message opens the modal and edits that picture', async ({ bot }) => {
    const h = await bot();
    const photo = neighbour(h).post({ content: 'my cat', files: [await png(h)] });
    const opener = painter(h).editImage(photo);
    const submitted = await painter(h).submit(opener, 'Edit', { text: 'give the cat a tiny hat' });
    const delivered = await submitted.waitForOriginal(hasImage, 15_000);
    expectImageButtons(delivered);
    expect(createBodies(h)).toEqual([
      {
        model: 'seedream/4.5-edit',
        input: { prompt: 'give the cat a tiny hat', aspect_ratio: '1:1', quality: 'basic', image_urls: [h.discord.attachmentUrl(CHANNEL_ID, photo.attachments[0]!)] },
      },
    ]);
  });

  it('"Edit image" on a message without a picture, or with another file, is refused privately', async ({ bot }) => {
    const h = await bot();
    const text = neighbour(h).post({ content: 'just words' });
    const noImage = painter(h).editImage(text);
    expect(await privateAnswer(noImage)).toBe(messages.noImage);
    const pdf = neighbour(h).post({ files: [{ filename: 'a.pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF') }] });
    const notImage = painter(h).editImage(pdf);
    expect(await privateAnswer(notImage)).toBe(messages.notAnImage('application/pdf'));
    expect(h.kie.creates).toHaveLength(0);
  });
});

describe("a reroll of an edit after Discord's attachment URL expired", () => {
  /** Attachment URLs that work for 1.5 s instead of a day. */
  const shortLivedUrls = { discord: { attachmentUrlLifetimeMs: 1_500 } };
  const expired = async (url: string) => expect.poll(async () => (await fetch(url)).status, { timeout: 5_000, interval: 200 }).toBe(404);
  const inputUrl = (h: Harness, index: number) => createBodies(h)[index]!.input.image_urls![0]!;

  /** Rerolls an image whose picture URL has expired; checks the new task got a fresh URL; returns it and the new image. */
  async function rerollAfterExpiry(h: Harness, edited: FakeMessage): Promise<{ fresh: string; rerolled: FakeMessage }> {
    const recorded = inputUrl(h, createBodies(h).length - 1);
    await expired(recorded);
    const rerolled = await painter(h).press(edited, 'Reroll').waitForOriginal(hasImage, 15_000);
    const fresh = inputUrl(h, createBodies(h).length - 1);
    expect(fresh).not.toBe(recorded);
    expect((await fetch(fresh)).status).toBe(200);
    return { fresh, rerolled };
  }

  it('an edit of a delivered image: the picture is read again from its message', async ({ bot }) => {
    const h = await bot(shortLivedUrls);
    const image = await deliveredImage(h, 'a harbour at noon');
    const edited = await (await painter(h).submit(painter(h).press(image, 'Edit'), 'Edit', { text: 'at night' })).waitForOriginal(hasImage, 15_000);
    const { fresh } = await rerollAfterExpiry(h, edited);
    expect(fresh).toContain(`/attachments/${image.channelId}/${image.attachments[0]!.id}/`);
    expect(h.discord.requests.some((request) => request.method === 'GET' && request.path === `/channels/${image.channelId}/messages/${image.id}`)).toBe(true);
    expect(createBodies(h).map((body) => body.input.prompt)).toEqual(['a harbour at noon', 'at night', 'at night']);
  });

  it('"Edit image" of a member\'s picture: the picture is read again from the member\'s message', async ({ bot }) => {
    const h = await bot(shortLivedUrls);
    const photo = neighbour(h).post({ content: 'my cat', files: [await png(h)] });
    const opener = painter(h).editImage(photo);
    const edited = await (await painter(h).submit(opener, 'Edit', { text: 'give the cat a tiny hat' })).waitForOriginal(hasImage, 15_000);
    const { fresh, rerolled } = await rerollAfterExpiry(h, edited);
    expect(fresh).toContain(`/attachments/${CHANNEL_ID}/${photo.attachments[0]!.id}/`);
    // A reroll of the reroll still knows where the picture is.
    const again = await rerollAfterExpiry(h, rerolled);
    expect(again.fresh).toContain(`/attachments/${CHANNEL_ID}/${photo.attachments[0]!.id}/`);
    expect(createBodies(h).map((body) => body.model)).toEqual(['seedream/4.5-edit', 'seedream/4.5-edit', 'seedream/4.5-edit']);
  });

  it('/imagine image: with an attached picture (on no message): Discord refreshes its link', async ({ bot }) => {
    const h = await bot(shortLivedUrls);
    const edited = await painter(h).imagine({ prompt: 'turn it into a watercolour', image: await png(h) }).waitForOriginal(hasImage, 15_000);
    const recorded = inputUrl(h, 0);
    const { fresh } = await rerollAfterExpiry(h, edited);
    expect(fresh.split('?')[0]).toBe(recorded.split('?')[0]);
    const refreshes = h.discord.requests.filter((request) => request.path === '/attachments/refresh-urls');
    expect(refreshes.map(({ method, status, json }) => ({ method, status, json }))).toEqual([{ method: 'POST', status: 200, json: { attachment_urls: [recorded] } }]);
    expect(createBodies(h).map((body) => body.model)).toEqual(['seedream/4.5-edit', 'seedream/4.5-edit']);
    expect(await used(h, MEMBER.id)).toBe(2);
  });

  it('/imagine image: with an attached picture, when Discord cannot refresh its link: refused privately, nothing reserved', async ({ bot }) => {
    const h = await bot({ discord: { ...shortLivedUrls.discord, attachmentUrlRefresh: false } });
    const edited = await painter(h).imagine({ prompt: 'turn it into a watercolour', image: await png(h) }).waitForOriginal(hasImage, 15_000);
    await expired(inputUrl(h, 0));
    expect(await privateAnswer(painter(h).press(edited, 'Reroll'))).toBe(messages.picturesExpired);
    expect(createBodies(h)).toHaveLength(1);
    expect(await used(h, MEMBER.id)).toBe(1);
  });
});

describe('/history', () => {
  const entry = (index: number, overrides: Partial<HistoryEntry> = {}): HistoryEntry => ({
    jobId: randomUUID(),
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    messageId: messageId(index),
    userId: MEMBER.id,
    prompt: `picture number ${index}`,
    aspect: '1:1',
    quality: 'basic',
    model: 'seedream/4.5-text-to-image',
    inputImageUrls: [],
    resultUrl: 'https://files.example/result.png',
    createdAt: Date.now() - (100 - index) * 60_000,
    ...overrides,
  });

  it("shows the member's own last 10 images here, privately, with jump links, and pages through the rest", async ({ bot }) => {
    const h = await bot();
    for (let index = 1; index <= 12; index += 1) await h.storage.history.record(entry(index));
    await h.storage.history.record(entry(50, { userId: OTHER.id, prompt: 'not mine' }));
    await h.storage.history.record(entry(51, { guildId: OTHER_GUILD_ID, prompt: 'another server' }));

    const interaction = painter(h).history();
    const callback = await interaction.waitForResponse();
    expect(callback.type).toBe(4);
    expect(interaction.isEphemeral()).toBe(true);
    const first = interaction.original()!;
    const description = (first.embeds[0] as { description: string }).description;
    expect(description).toContain('picture number 12');
    expect(description).toContain('picture number 3');
    expect(description).not.toContain('picture number 2\n');
    expect(description).not.toContain('not mine');
    expect(description).not.toContain('another server');
    expect(description).toContain(`https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${messageId(12)}`);
    expect(description.match(/<t:\d+:f>/g)).toHaveLength(10);
    const [newer, older] = buttonsOf(first);
    expect(newer!.disabled).toBe(true);
    expect(older!.disabled).toBe(false);

    const next = painter(h).press(first, 'Older');
    expect((await next.waitForResponse()).type).toBe(7);
    const page = h.discord.findMessage(first.id)!;
    const second = (page.embeds[0] as { description: string }).description;
    expect(second).toContain('picture number 2');
    expect(second).toContain('picture number 1');
    expect(second).not.toContain('picture number 3');
    expect(buttonsOf(page)[1]!.disabled).toBe(true);
  });

  it('says so when the member has no images', async ({ bot }) => {
    const h = await bot();
    const interaction = painter(h).history();
    await interaction.waitForResponse();
    expect(interaction.original()!.content).toBe(messages.historyEmpty);
  });
});
