import { randomUUID } from 'node:crypto';
import { ButtonStyle, ComponentType, Routes, type APIMessage } from 'discord.js';
import { describe, expect } from 'vitest';
import { encodeCustomId } from '../../src/discord/custom-ids.js';
import { deliveredImageFilename } from '../../src/jobs/image-filename.js';
import { messages } from '../../src/messages.js';
import type { FakeMessage, RecordedRequest } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import { CHANNEL_ID, GUILD_ID, MEMBER, type Harness } from '../helpers/harness.js';
import { expectImageButtons, hasImage, press } from '../helpers/image-loop.js';
import { IS_COMPONENTS_V2, readCard } from '../helpers/result-card.js';
import { jobsIdle } from '../helpers/jobs.js';

/** The request that put `message`'s image in front of the member, as Discord received it (multipart's payload_json). */
async function uploadOf(h: Harness, message: FakeMessage): Promise<{ request: RecordedRequest; body: Record<string, unknown> }> {
  // The fake records a request once it has answered it.
  const request = await h.discord.waitForRequest((candidate) => candidate.status === 200 && candidate.files[0]?.filename === message.attachments[0]!.filename);
  return { request, body: request.json as Record<string, unknown> };
}

/** Checks the body of a result card as Discord received it, and the message Discord made of it. */
async function expectCardBody(h: Harness, message: FakeMessage, kind: 'create' | 'edit'): Promise<void> {
  const { request, body } = await uploadOf(h, message);
  expect(request.method).toBe(kind === 'create' ? 'POST' : 'PATCH');
  expect(body['flags']).toBe(IS_COMPONENTS_V2);
  // The reply pings nobody; a late card, away from the reply, pings its member and only them.
  const late = kind === 'create';
  expect(body['allowed_mentions']).toEqual(late ? { users: [MEMBER.id] } : { parse: [] });
  // A create leaves content and embeds out; the edit that turns the status into the card resets them as Discord asks.
  if (kind === 'create') {
    expect(body).not.toHaveProperty('content');
    expect(body).not.toHaveProperty('embeds');
  } else {
    expect(body['content']).toBeNull();
    expect(body['embeds']).toEqual([]);
  }
  const filename = message.attachments[0]!.filename;
  expect(body['attachments']).toEqual([{ id: '0', filename }]);
  const sent = readCard({ components: body['components'], flags: body['flags'] as number });
  expect(sent.images).toEqual([`attachment://${filename}`]);
  expect(sent.details).toContain(`<@${MEMBER.id}>`);
  // Discord kept it as sent: the card, the file, and mentions read from its text under allowed_mentions.
  expect(message.flags & IS_COMPONENTS_V2).toBe(IS_COMPONENTS_V2);
  expect(message.content).toBe('');
  expect(message.embeds).toEqual([]);
  expect(readCard(message)).toEqual(sent);
  expect(message.mentions).toEqual({ everyone: false, users: late ? [MEMBER.id] : [], roles: [] });
  expectImageButtons(message);
}

describe('result cards (Components V2) on every delivery path', () => {
  it('the reply edited into a card, the late channel post and the DM fallback carry the same card, and its buttons work', async ({ bot }) => {
    const h = await bot({ tuning: { tokenLifetimeMs: 2_000 }, discord: { tokenLifetimeMs: 2_000 }, kie: { defaultScenario: { durationMs: 300 } } });
    const onTime = await h.imagine({ prompt: 'a lighthouse at dusk' }).waitForOriginal(hasImage, 15_000);
    await expectCardBody(h, onTime, 'edit');
    expect(readCard(onTime).heading).toBe(`### ${messages.resultTitle}`);
    await jobsIdle(h.app.jobs);

    h.kie.setDefaultScenario({ durationMs: 3_000 });
    h.imagine({ prompt: 'a late train, @everyone' });
    await expect.poll(() => h.discord.channelMessages(CHANNEL_ID).filter(hasImage).length, { timeout: 15_000 }).toBe(1);
    const inChannel = h.discord.channelMessages(CHANNEL_ID).find(hasImage)!;
    await expectCardBody(h, inChannel, 'create');
    expect(readCard(inChannel).heading).toBe(`${messages.lateDelivery(MEMBER.id)}\n### ${messages.resultTitle}`);
    await jobsIdle(h.app.jobs);

    h.discord.injectFault({ method: 'POST', path: new RegExp(`^/channels/${CHANNEL_ID}/messages$`), status: 403, body: { message: 'Missing Permissions', code: 50013 } });
    h.imagine({ prompt: 'a late tram' });
    await expect.poll(() => h.discord.dmChannelOf(MEMBER.id), { timeout: 15_000 }).toBeDefined();
    const dm = h.discord.dmChannelOf(MEMBER.id)!;
    await expect.poll(() => h.discord.channelMessages(dm).filter(hasImage).length, { timeout: 10_000 }).toBe(1);
    const direct = h.discord.channelMessages(dm).find(hasImage)!;
    await expectCardBody(h, direct, 'create');
    await jobsIdle(h.app.jobs);

    // Edit on a card reads the picture from the card's attachment.
    const opener = press(h.discord, onTime, 'Edit', MEMBER);
    expect((await opener.waitForResponse()).type).toBe(9);
    h.kie.setDefaultScenario({ durationMs: 300 });
    const edited = await h.discord.submitModal(opener, { change: 'add a storm' }).waitForOriginal(hasImage, 15_000);
    const editBody = h.kie.creates.filter((call) => call.taskId !== undefined).at(-1)!.body as { input: { image_urls: string[] } };
    expect(editBody.input.image_urls).toEqual([h.discord.attachmentUrl(CHANNEL_ID, onTime.attachments[0]!)]);
    expect(readCard(edited).prompt).toBe('add a storm');
  }, 60_000);

  it('a press on an older message (embed and action-row buttons, no Components V2) still works: Reroll, Edit and Delete', async ({ bot }) => {
    const h = await bot();
    const old = await postOldStyleImage(h, 'a windmill at noon');
    const rerolled = await press(h.discord, old, 'Reroll', MEMBER).waitForOriginal(hasImage, 15_000);
    expect(readCard(rerolled).prompt).toBe('a windmill at noon');

    const opener = press(h.discord, old, 'Edit', MEMBER);
    expect((await opener.waitForResponse()).type).toBe(9);
    const edited = await h.discord.submitModal(opener, { change: 'add a rainbow' }).waitForOriginal(hasImage, 15_000);
    const editBody = h.kie.creates.filter((call) => call.taskId !== undefined).at(-1)!.body as { input: { image_urls: string[] } };
    expect(editBody.input.image_urls).toEqual([h.discord.attachmentUrl(CHANNEL_ID, old.attachments[0]!)]);
    expect(readCard(edited).prompt).toBe('add a rainbow');

    const deleted = press(h.discord, old, 'Delete', MEMBER);
    expect((await deleted.waitForResponse()).type).toBe(6);
    await expect.poll(() => h.discord.findMessage(old.id), { timeout: 5_000 }).toBeUndefined();
  });
});

/**
 * A result as the bot posted it before result cards: an embed showing the uploaded image and one action row
 * of Reroll / Edit / Delete, with its history entry.
 */
async function postOldStyleImage(h: Harness, prompt: string): Promise<FakeMessage> {
  const jobId = randomUUID();
  const filename = deliveredImageFilename(jobId, 'png');
  const button = (action: 'reroll' | 'edit' | 'delete', label: string) => ({
    type: ComponentType.Button,
    style: action === 'delete' ? ButtonStyle.Danger : ButtonStyle.Secondary,
    label,
    custom_id: encodeCustomId({ kind: action, jobId }),
  });
  const posted = (await h.app.client.rest.post(Routes.channelMessages(CHANNEL_ID), {
    body: {
      content: '',
      embeds: [{ title: messages.resultTitle, description: prompt, image: { url: `attachment://${filename}` }, fields: [{ name: 'Requested by', value: `<@${MEMBER.id}>` }] }],
      components: [{ type: ComponentType.ActionRow, components: [button('reroll', 'Reroll'), button('edit', 'Edit'), button('delete', 'Delete')] }],
      allowed_mentions: { parse: [] },
    },
    files: [{ name: filename, data: await h.kie.imageBytes('small'), contentType: 'image/png' }],
  })) as APIMessage;
  await h.storage.history.record({
    jobId,
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    messageId: posted.id,
    userId: MEMBER.id,
    prompt,
    aspect: '1:1',
    quality: 'basic',
    model: 'seedream/4.5-text-to-image',
    inputImageUrls: [],
    resultUrl: 'https://files.example/result.png',
    imageUrl: posted.attachments[0]!.url,
    delivery: 'channel',
    createdAt: Date.now(),
  });
  const message = h.discord.findMessage(posted.id)!;
  expect(message.flags & IS_COMPONENTS_V2).toBe(0);
  expect(message.embeds).toHaveLength(1);
  return message;
}
