import { describe, expect } from 'vitest';
import { FakeDiscord, type FakeInteraction } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';

const GUILD = '1600000000000000001';
const CHANNEL = '1600000000000000002';
const MEMBER = { id: '1600000000000000101', username: 'member' };

/** The fake's interactions answered over raw HTTP, as a bot would (no client connected: only ids and tokens matter). */
async function stage(defer: (cleanup: () => Promise<unknown>) => void) {
  const discord = await FakeDiscord.start({ guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }] });
  defer(() => discord.close());
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${discord.apiUrl}/v10${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bot ${discord.token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const answer = (interaction: FakeInteraction, body: unknown) => call('POST', `/interactions/${interaction.id}/${interaction.token}/callback`, body);
  const button = { type: 1, components: [{ type: 2, style: 2, label: 'Press', custom_id: 'x:press' }] };
  const posted = (await (await call('POST', `/channels/${CHANNEL}/messages`, { content: 'with a button', components: [button] })).json()) as { id: string };
  return { discord, call, answer, messageId: posted.id };
}

const MODAL = {
  custom_id: 'x:modal',
  title: 'Tell me',
  components: [{ type: 18, label: 'What?', component: { type: 4, custom_id: 'what', style: 2, min_length: 1, max_length: 30 } }],
};

describe('the fake Discord answers components and modals as Discord does', () => {
  it('sends the pressed message with a component interaction, and its update edits that message', async ({ defer }) => {
    const { discord, answer, messageId } = await stage(defer);
    const press = discord.dispatchComponent({ messageId, customId: 'x:press', user: MEMBER });
    expect(press.kind).toBe('component');
    expect((await answer(press, { type: 7, data: { content: 'pressed', components: [] } })).status).toBe(204);
    expect(discord.findMessage(messageId)).toMatchObject({ content: 'pressed', components: [] });
  });

  it('after a deferred update, @original is the pressed message: it can be deleted through the token', async ({ defer }) => {
    const { discord, answer, messageId } = await stage(defer);
    const press = discord.dispatchComponent({ messageId, customId: 'x:press', user: MEMBER });
    expect((await answer(press, { type: 6 })).status).toBe(204);
    const deleted = await fetch(`${discord.apiUrl}/v10/webhooks/${discord.applicationId}/${press.token}/messages/@original`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(discord.findMessage(messageId)).toBeUndefined();
    expect(discord.channelMessages(CHANNEL)).toEqual([]);
  });

  it('refuses callback types an interaction cannot take', async ({ defer }) => {
    const { discord, answer, messageId } = await stage(defer);
    const command = discord.dispatchInteraction({ commandName: 'imagine', guildId: GUILD, channelId: CHANNEL, user: MEMBER });
    expect((await answer(command, { type: 6 })).status).toBe(400);
    expect((await answer(command, { type: 7, data: { content: 'no' } })).status).toBe(400);

    const opener = discord.dispatchComponent({ messageId, customId: 'x:press', user: MEMBER });
    expect((await answer(opener, { type: 9, data: MODAL })).status).toBe(204);
    expect(opener.modal()).toEqual(MODAL);
    const submitted = discord.submitModal(opener, { what: 'this' });
    expect(submitted.kind).toBe('modal');
    expect((await answer(submitted, { type: 9, data: MODAL })).status).toBe(400);
    expect((await answer(submitted, { type: 4, data: { content: 'thanks', flags: 64 } })).status).toBe(204);
  });

  it('submits a modal with the values by text input, and refuses inputs the modal does not have', async ({ defer }) => {
    const { discord, answer, messageId } = await stage(defer);
    const opener = discord.dispatchComponent({ messageId, customId: 'x:press', user: MEMBER });
    await answer(opener, { type: 9, data: MODAL });
    expect(() => discord.submitModal(opener, { other: 'x' })).toThrow('the modal has no text input other');
    const submitted = discord.submitModal(opener, { what: 'this' });
    expect(submitted.commandName).toBe('x:modal');
    expect(submitted.sourceMessageId).toBe(messageId);
  });

  it('serves attachment options and a member message\'s files at their URLs', async ({ defer }) => {
    const { discord } = await stage(defer);
    const bytes = Buffer.from('\x89PNG\r\n\x1a\nrest');
    const message = discord.postMemberMessage({ channelId: CHANNEL, user: MEMBER, files: [{ filename: 'p.png', contentType: 'image/png', bytes }] });
    const served = await fetch(discord.attachmentUrl(CHANNEL, message.attachments[0]!));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
    const command = discord.dispatchInteraction({ commandName: 'Edit image', guildId: GUILD, channelId: CHANNEL, user: MEMBER, targetMessageId: message.id });
    expect(command.commandType).toBe(3);
  });

  it('holds Components V2 messages to Discord: no content or embeds beside them, media from the request\'s files, the OpenAPI shapes', async ({ defer }) => {
    const { discord, call } = await stage(defer);
    const V2 = 1 << 15;
    const card = (url: string) => [
      { type: 17, components: [{ type: 12, items: [{ media: { url } }] }, { type: 10, content: '**a lighthouse**' }] },
      { type: 1, components: [{ type: 2, style: 2, label: 'Press', custom_id: 'x:press' }] },
    ];
    const ok = await call('POST', `/channels/${CHANNEL}/messages`, { flags: V2, components: card('https://cdn.example/a.png'), allowed_mentions: { parse: [] } });
    expect(ok.status).toBe(200);
    const posted = (await ok.json()) as { id: string; flags: number };
    expect(posted.flags & V2).toBe(V2);

    const legacy = await call('POST', `/channels/${CHANNEL}/messages`, { flags: V2, content: 'hello', components: card('https://cdn.example/a.png') });
    expect(legacy.status).toBe(400);
    expect(JSON.stringify(await legacy.json())).toContain('MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2');

    const missing = await call('POST', `/channels/${CHANNEL}/messages`, { flags: V2, components: card('attachment://missing.png') });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain('UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND');

    // A text display without its content is refused by the published schema itself.
    expect(discord.specViolations).toEqual([]);
    await call('POST', `/channels/${CHANNEL}/messages`, { flags: V2, components: [{ type: 17, components: [{ type: 10 }] }] });
    expect(discord.specViolations.map((violation) => violation.pointer)).toContainEqual(expect.stringContaining('/components/0'));
    discord.specViolations.length = 0;
  });
  it('holds edits to Discord\'s Components V2 rules: the flag is set once and for good, the status\'s content and embeds reset on the way', async ({ defer }) => {
    const { discord, call } = await stage(defer);
    const V2 = 1 << 15;
    const card = [{ type: 17, components: [{ type: 10, content: 'card for <@1600000000000000101>' }] }];
    const status = (await (await call('POST', `/channels/${CHANNEL}/messages`, { content: '⏳ working', embeds: [{ title: 'old' }] })).json()) as { id: string };
    const edit = (body: unknown) => call('PATCH', `/channels/${CHANNEL}/messages/${status.id}`, body);
    const codeOf = async (response: Response) => JSON.stringify(await response.json());

    // Setting the flag while the old content or embeds stay is refused.
    const keptContent = await edit({ flags: V2, components: card, embeds: [] });
    expect(keptContent.status).toBe(400);
    expect(await codeOf(keptContent)).toContain('MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2');
    expect((await edit({ flags: V2, components: card, content: null })).status).toBe(400);
    // Reset as Discord asks: content null, embeds []. Mentions come from the text displays (none allowed here).
    const converted = await edit({ flags: V2, components: card, content: null, embeds: [], allowed_mentions: { parse: [] } });
    expect(converted.status).toBe(200);
    expect(discord.findMessage(status.id)).toMatchObject({ content: '', embeds: [], flags: V2, mentions: { users: [] } });

    // Once set, the flag stays: an edit without it is refused, as is content on the V2 message.
    const removed = await edit({ flags: 0, content: 'back to text', components: [] });
    expect(removed.status).toBe(400);
    expect(await codeOf(removed)).toContain('MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG');
    expect((await edit({ content: 'text beside the card' })).status).toBe(400);
    // Mentions in text displays count as a message's mentions under allowed_mentions.
    expect((await edit({ components: card })).status).toBe(200);
    expect(discord.findMessage(status.id)?.mentions.users).toEqual(['1600000000000000101']);
  });

  it('counts all the text of a Components V2 message against 4000 characters, and refuses the flag on a deferral', async ({ defer }) => {
    const { discord, call, answer } = await stage(defer);
    const V2 = 1 << 15;
    const texts = (length: number) => [{ type: 17, components: [{ type: 10, content: 'a'.repeat(2000) }, { type: 10, content: 'b'.repeat(length - 2000) }] }];
    expect((await call('POST', `/channels/${CHANNEL}/messages`, { flags: V2, components: texts(4000) })).status).toBe(200);
    const over = await call('POST', `/channels/${CHANNEL}/messages`, { flags: V2, components: texts(4001) });
    expect(over.status).toBe(400);
    expect(JSON.stringify(await over.json())).toContain('COMPONENT_MAX_TOTAL_TEXT_LENGTH_EXCEEDED');

    const command = discord.dispatchInteraction({ commandName: 'imagine', guildId: GUILD, channelId: CHANNEL, user: MEMBER });
    expect((await answer(command, { type: 5, data: { flags: V2 | 64 } })).status).toBe(400);
    expect((await answer(command, { type: 5, data: { flags: 64 } })).status).toBe(204);
  });

  it('lets only its member press a component on an ephemeral message', async ({ defer }) => {
    const { discord, answer } = await stage(defer);
    const command = discord.dispatchInteraction({ commandName: 'imagine', guildId: GUILD, channelId: CHANNEL, user: MEMBER });
    await answer(command, { type: 4, data: { content: 'only for you', flags: 64, components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Press', custom_id: 'x:press' }] }] } });
    const ephemeral = command.original()!;
    expect(() => discord.dispatchComponent({ messageId: ephemeral.id, customId: 'x:press', user: { id: '1600000000000000102', username: 'other' } })).toThrow('sees ephemeral message');
    expect(discord.dispatchComponent({ messageId: ephemeral.id, customId: 'x:press', user: MEMBER }).kind).toBe('component');
  });
});
