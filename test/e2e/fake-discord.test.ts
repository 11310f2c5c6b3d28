/**
 * The fake Discord driven by a real, unmodified discord.js Client: login, interactions, webhooks, commands,
 * validation and the errors Discord answers with.
 */
import {
  ActionRowBuilder,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  MessageType,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type ChatInputCommandInteraction,
  type ClientOptions,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeDiscord, shardOfGuild, type FakeDiscordOptions } from '../fakes/discord/index.js';
import { rejectionOf } from '../helpers/rejection.js';

const GUILD = '1200000000000000000';
const CHANNEL = '1200000000000000100';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

let fake: FakeDiscord | undefined;
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
  await fake?.close();
  fake = undefined;
});

async function startFake(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  fake = await FakeDiscord.start({ guilds: [{ id: GUILD, name: 'Test Guild', channels: [{ id: CHANNEL, name: 'general' }] }], ...options });
  return fake;
}

async function login(target: FakeDiscord, extra: Partial<ClientOptions> = {}): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: target.apiUrl }, ...extra });
  clients.push(client);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(target.token);
  await ready;
  return client;
}

/**
 * Runs `handler` on the next chat-input interaction; resolves with its result or rejects with its error,
 * or fails fast when no interaction arrives.
 */
function onNextCommand<T>(client: Client, handler: (interaction: ChatInputCommandInteraction) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no interaction reached the client')), 4000);
    client.once(Events.InteractionCreate, (interaction) => {
      clearTimeout(timer);
      if (!interaction.isChatInputCommand()) {
        reject(new Error(`unexpected interaction type ${interaction.type}`));
        return;
      }
      handler(interaction).then(resolve, reject);
    });
  });
}

const apiError = (promise: Promise<unknown>) => rejectionOf(promise, DiscordAPIError);

function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('fake Discord with a real discord.js client', () => {
  it('logs in through /gateway/bot, caches the guild and its channel, and acknowledges heartbeats', async () => {
    const target = await startFake({ heartbeatIntervalMs: 100 });
    const client = await login(target);
    await target.waitForReady();

    expect(client.user?.id).toBe(target.botUserId);
    expect(client.application?.id).toBe(target.applicationId);
    const guild = client.guilds.cache.get(GUILD);
    expect(guild?.available).toBe(true);
    expect(guild?.name).toBe('Test Guild');
    expect(client.channels.cache.get(CHANNEL)?.isTextBased()).toBe(true);
    expect(target.connectedShards()).toEqual([0]);
    const gatewayBot = await target.waitForRequest((r) => r.path === '/gateway/bot');
    expect(gatewayBot).toMatchObject({ method: 'GET', status: 200 });
    expect(gatewayBot.headers['authorization']).toBe(`Bot ${target.token}`);
    await vi.waitFor(() => expect(client.ws.ping).toBeGreaterThanOrEqual(0), { timeout: 2000 });
  });

  it('rejects a wrong token on REST with 401 and on the gateway with close 4004', async () => {
    const target = await startFake();
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: target.apiUrl } });
    clients.push(client);
    await expect(client.login('not-the-token')).rejects.toThrow(/token/i);
    expect(target.requests.find((r) => r.path === '/gateway/bot')?.status).toBe(401);

    const { WebSocket } = await import('ws');
    const socket = new WebSocket(`${target.gatewayUrl}/?v=10&encoding=json`);
    const closeCode = await new Promise<number>((resolve) => {
      socket.on('message', () => socket.send(JSON.stringify({ op: 2, d: { token: 'nope', intents: 1, properties: {} } })));
      socket.on('close', (code) => resolve(code));
    });
    expect(closeCode).toBe(4004);
  });

  it('delivers a slash command; deferReply is seen within the deadline and editReply stores files and embeds', async () => {
    const target = await startFake();
    const client = await login(target);
    const handled = onNextCommand(client, async (interaction) => {
      expect(interaction.commandName).toBe('imagine');
      expect(interaction.options.getString('prompt')).toBe('a red fox');
      expect(interaction.guildId).toBe(GUILD);
      expect(interaction.inCachedGuild()).toBe(true);
      expect(interaction.attachmentSizeLimit).toBe(10 * 1024 * 1024);
      await interaction.deferReply();
      await interaction.editReply({
        content: 'done',
        files: [{ attachment: PNG, name: 'x.png' }],
        embeds: [{ title: 'A red fox', image: { url: 'attachment://x.png' } }],
      });
    });
    const interaction = target.dispatchInteraction({
      commandName: 'imagine',
      guildId: GUILD,
      options: [{ name: 'prompt', type: 3, value: 'a red fox' }],
    });
    expect(interaction.delivered).toBe(true);

    const callback = await interaction.waitForResponse();
    expect(callback).toMatchObject({ type: 5, status: 204 });
    expect(callback.latencyMs).toBeGreaterThanOrEqual(0);
    expect(callback.latencyMs).toBeLessThan(3000);
    await handled;

    const original = await interaction.waitForOriginal((m) => m.content === 'done');
    expect(original.attachments).toHaveLength(1);
    expect(original.attachments[0]).toMatchObject({ filename: 'x.png', contentType: 'image/png', size: PNG.length });
    expect(original.attachments[0]?.bytes.equals(PNG)).toBe(true);
    expect(original.embeds).toEqual([{ title: 'A red fox', image: { url: 'attachment://x.png' } }]);
    expect(original.flags & MessageFlags.Loading).toBe(0);
    expect(interaction.isEphemeral()).toBe(false);
    expect(interaction.edits).toHaveLength(1);
    const patch = target.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(`/webhooks/${target.applicationId}/${interaction.token}/messages/@original`);
    expect(patch?.files.map((f) => f.filename)).toEqual(['x.png']);
  });

  it('keeps attachments listed in an edit and replaces the rest, and serves their bytes', async () => {
    const target = await startFake();
    const client = await login(target);
    const handled = onNextCommand(client, async (interaction) => {
      await interaction.reply({ content: 'first', files: [{ attachment: PNG, name: 'a.png' }], flags: MessageFlags.Ephemeral });
      const first = await interaction.fetchReply();
      const kept = first.attachments.first();
      if (!kept) throw new Error('reply has no attachment');
      // Keep a.png, add b.png.
      await interaction.editReply({ attachments: [kept], files: [{ attachment: Buffer.from('bbb'), name: 'b.txt' }] });
      // Text-only edit: attachments untouched.
      await interaction.editReply({ content: 'second' });
      // New files without listing the old ones: all replaced.
      await interaction.editReply({ files: [{ attachment: Buffer.from('ccc'), name: 'c.txt' }] });
      return kept.url;
    });
    const interaction = target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD });
    const url = await handled;

    expect(interaction.isEphemeral()).toBe(true);
    expect(interaction.edits.map((m) => m.attachments.map((a) => a.filename))).toEqual([
      ['a.png', 'b.txt'],
      ['a.png', 'b.txt'],
      ['c.txt'],
    ]);
    expect(interaction.original()?.content).toBe('second');
    const download = await fetch(url);
    expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('answers a callback after the ack deadline with 10062', async () => {
    const clock = manualClock();
    const target = await startFake({ now: clock.now });
    const client = await login(target);
    const handled = onNextCommand(client, async (interaction) => {
      clock.advance(3001);
      return apiError(interaction.deferReply());
    });
    const interaction = target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD });
    const error = await handled;
    expect(error.code).toBe(10062);
    expect(error.status).toBe(404);
    expect(interaction.responses).toMatchObject([{ type: 5, status: 404, latencyMs: 3001 }]);
    expect(interaction.original()).toBeUndefined();
  });

  it('answers a second acknowledgement with 40060 and an edit after the token lifetime with 50027', async () => {
    const clock = manualClock();
    const target = await startFake({ now: clock.now, tokenLifetimeMs: 60_000 });
    const client = await login(target);
    const handled = onNextCommand(client, async (interaction) => {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const second = await apiError(
        client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
          body: { type: 4, data: { content: 'again' } },
          auth: false,
        }),
      );
      await interaction.editReply('still in time');
      clock.advance(60_001);
      const late = await apiError(interaction.editReply('too late'));
      return { second, late };
    });
    const interaction = target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD });
    const { second, late } = await handled;
    expect([second.status, second.code]).toEqual([400, 40060]);
    expect([late.status, late.code]).toEqual([401, 50027]);
    expect(interaction.responses.map((r) => r.status)).toEqual([204, 400]);
    expect(interaction.original()?.content).toBe('still in time');
    expect(interaction.isEphemeral()).toBe(true);
  });

  it('answers uploads over the interaction attachment_size_limit with 413 40005', async () => {
    const target = await startFake();
    const client = await login(target);
    const handled = onNextCommand(client, async (interaction) => {
      expect(interaction.attachmentSizeLimit).toBe(1024);
      await interaction.deferReply();
      return apiError(interaction.editReply({ files: [{ attachment: Buffer.alloc(2048, 1), name: 'big.png' }] }));
    });
    const interaction = target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD, attachmentSizeLimit: 1024 });
    const error = await handled;
    expect([error.status, error.code]).toEqual([413, 40005]);
    expect(interaction.original()?.flags).toBe(MessageFlags.Loading);
    expect(interaction.edits).toHaveLength(0);
  });

  it('rejects oversized content and embeds with 50035 Invalid Form Body', async () => {
    const target = await startFake();
    const client = await login(target);
    const channel = client.channels.cache.get(CHANNEL) as TextChannel;
    const tooLong = await apiError(channel.send('x'.repeat(2001)));
    expect(tooLong.code).toBe(50035);
    expect(tooLong.rawError).toMatchObject({ errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    // 2000 astral emoji are 4000 UTF-16 units but 2000 code points: accepted.
    await channel.send('😀'.repeat(2000));
    const bigEmbeds = await apiError(
      channel.send({ embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] }),
    );
    expect(bigEmbeds.rawError).toMatchObject({ errors: { embeds: { _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED' }] } } });
    const empty = await apiError(channel.send({ content: '' }));
    expect(empty.code).toBe(50006);
    expect(target.channelMessages(CHANNEL)).toHaveLength(1);
  });

  it('registers guild commands with a bulk PUT and returns them with Discord defaults on GET', async () => {
    const target = await startFake();
    const client = await login(target);
    const body = [
      {
        name: 'imagine',
        description: 'Make a picture',
        options: [{ type: 3, name: 'prompt', description: 'What to draw', required: true }],
        default_member_permissions: null,
      },
      { name: 'imagine-admin', description: 'Admin', default_member_permissions: '32' },
    ];
    const put = await client.application!.commands.set(body, GUILD);
    const fetched = await client.application!.commands.fetch({ guildId: GUILD });
    expect([...fetched.keys()].sort()).toEqual([...put.keys()].sort());

    const stored = target.commands(GUILD);
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({
      name: 'imagine',
      type: 1,
      application_id: target.applicationId,
      guild_id: GUILD,
      default_member_permissions: null,
      nsfw: false,
      options: [{ type: 3, name: 'prompt', description: 'What to draw', required: true }],
    });
    expect(stored[1]?.default_member_permissions).toBe('32');
    const get = target.requests.find((r) => r.method === 'GET' && r.path.endsWith(`/guilds/${GUILD}/commands`));
    expect(get?.status).toBe(200);

    // Same body again: same ids and versions (Discord keeps them for unchanged commands).
    await client.application!.commands.set(body, GUILD);
    expect(target.commands(GUILD).map((c) => [c.id, c.version])).toEqual(stored.map((c) => [c.id, c.version]));
    expect(target.commands()).toEqual([]);

    const invalid = await apiError(client.application!.commands.set([{ name: 'Bad Name', description: 'x' }], GUILD));
    expect(invalid.code).toBe(50035);
    expect(invalid.rawError).toMatchObject({ errors: { '0': { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] } } } });
    const unknownGuild = await apiError(client.application!.commands.set(body, '1300000000000000000'));
    expect([unknownGuild.status, unknownGuild.code]).toEqual([403, 50001]);
  });

  it('computes mentions from content and allowed_mentions', async () => {
    const target = await startFake();
    const client = await login(target);
    const channel = client.channels.cache.get(CHANNEL) as TextChannel;
    await channel.send({ content: '@everyone <@123>', allowedMentions: { parse: [] } });
    const parsedAll = await channel.send('@everyone <@123>');
    await channel.send({ content: '<@123> <@456>', allowedMentions: { users: ['456'] } });
    const conflict = await apiError(channel.send({ content: 'x', allowedMentions: { parse: ['users'], users: ['1'] } }));

    expect(target.channelMessages(CHANNEL).map((m) => m.mentions)).toEqual([
      { everyone: false, users: [], roles: [] },
      { everyone: true, users: ['123'], roles: [] },
      { everyone: false, users: ['456'], roles: [] },
    ]);
    expect(parsedAll.mentions.everyone).toBe(true);
    expect(conflict.code).toBe(50035);
    const reply = await parsedAll.reply({ content: 'noted', allowedMentions: { repliedUser: false } });
    expect(reply.type).toBe(MessageType.Reply);
    expect(reply.reference?.messageId).toBe(parsedAll.id);
  });

  it('creates a DM channel and records messages sent to it', async () => {
    const target = await startFake();
    const client = await login(target);
    const userId = '1234567890123456789';
    const dm = await client.users.createDM(userId);
    expect(target.dmChannelOf(userId)).toBe(dm.id);
    await dm.send('hello');
    expect(target.channelMessages(dm.id).map((m) => m.content)).toEqual(['hello']);
  });

  it('lets discord.js retry an injected 429 and 500 and then succeed', async () => {
    const target = await startFake();
    const client = await login(target);
    const channel = client.channels.cache.get(CHANNEL) as TextChannel;
    target.injectFault({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 429, headers: { 'retry-after': '0.05' } });
    target.injectFault({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 500 });
    await channel.send('after retries');

    const posts = target.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL}/messages`);
    expect(posts.map((r) => r.status)).toEqual([429, 500, 200]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(40);
    expect(target.channelMessages(CHANNEL).map((m) => m.content)).toEqual(['after retries']);
  });

  it('serves two shards: shards "auto" connects both and each guild interaction arrives on its shard', async () => {
    const base = 1_200_000_000_000_000_000n;
    const guildA = base.toString();
    const guildB = (base + (1n << 22n)).toString();
    expect(shardOfGuild(guildA, 2)).not.toBe(shardOfGuild(guildB, 2));
    const target = await startFake({
      shards: 2,
      maxConcurrency: 2,
      guilds: [{ id: guildA }, { id: guildB }],
    });
    const client = await login(target, { shards: 'auto' });
    await target.waitForReady();
    expect(target.connectedShards()).toEqual([0, 1]);
    expect(client.guilds.cache.get(guildA)?.shardId).toBe(shardOfGuild(guildA, 2));
    expect(client.guilds.cache.get(guildB)?.shardId).toBe(shardOfGuild(guildB, 2));

    for (const guildId of [guildA, guildB]) {
      const handled = onNextCommand(client, async (interaction) => {
        await interaction.reply(`hi from shard ${interaction.guild?.shardId}`);
        return interaction.guildId;
      });
      const interaction = target.dispatchInteraction({ commandName: 'imagine', guildId });
      expect(await handled).toBe(guildId);
      expect(interaction.original()?.content).toBe(`hi from shard ${shardOfGuild(guildId, 2)}`);
    }
  });

  it('replays an interaction dispatched while a shard was disconnected once the client resumes', async () => {
    const target = await startFake();
    const client = await login(target);
    const resumed = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
    const handled = onNextCommand(client, async (interaction) => {
      await interaction.reply({ content: 'after resume', allowedMentions: { parse: [] } });
    });
    target.disconnectShard(0);
    const interaction = target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD });
    await resumed;
    await handled;
    expect(interaction.original()?.content).toBe('after resume');
    expect(target.connectedShards()).toEqual([0]);
  });

  it('handles DM interactions, follow-ups and @original before any callback', async () => {
    const target = await startFake();
    const client = await login(target);
    const user = { id: '1234567890123456789', username: 'dmuser' };
    const handled = onNextCommand(client, async (interaction) => {
      expect(interaction.guildId).toBeNull();
      expect(interaction.user.id).toBe(user.id);
      const early = await apiError(interaction.webhook.fetchMessage('@original'));
      await interaction.deferReply();
      const first = await interaction.followUp('first follow-up replaces the thinking message');
      const second = await interaction.followUp({ content: 'second', flags: MessageFlags.Ephemeral });
      return { early, firstId: first.id, secondId: second.id };
    });
    const interaction = target.dispatchInteraction({ commandName: 'imagine', user });
    const { early, firstId, secondId } = await handled;
    expect([early.status, early.code]).toEqual([404, 10008]);
    expect(interaction.channelId).toBe(target.dmChannelOf(user.id));
    expect(interaction.original()?.id).toBe(firstId);
    expect(interaction.original()?.content).toBe('first follow-up replaces the thinking message');
    expect(interaction.followups.map((m) => [m.id, m.flags])).toEqual([
      [firstId, 0],
      [secondId, MessageFlags.Ephemeral],
    ]);
  });

  it('answers with_response=true callbacks with the interaction and the loading message', async () => {
    const target = await startFake();
    const client = await login(target);
    const handled = onNextCommand(client, async (interaction) => {
      const response = await interaction.deferReply({ withResponse: true, flags: MessageFlags.Ephemeral });
      return {
        id: response.interaction.id,
        loading: response.interaction.responseMessageLoading,
        ephemeral: response.interaction.responseMessageEphemeral,
        messageFlags: response.resource?.message?.flags.bitfield,
        messageId: response.resource?.message?.id,
      };
    });
    const interaction = target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD });
    const result = await handled;
    expect(result).toEqual({
      id: interaction.id,
      loading: true,
      ephemeral: true,
      messageFlags: MessageFlags.Loading | MessageFlags.Ephemeral,
      messageId: interaction.original()?.id,
    });
    expect(interaction.responses[0]?.status).toBe(200);
  });

  it('accepts a modal as the acknowledgement and refuses component-only callback types for a command', async () => {
    const target = await startFake();
    const client = await login(target);
    const modalHandled = onNextCommand(client, async (interaction) => {
      const input = new TextInputBuilder().setCustomId('prompt').setLabel('Prompt').setStyle(TextInputStyle.Short);
      await interaction.showModal(
        new ModalBuilder()
          .setCustomId('imagine-modal')
          .setTitle('Imagine')
          .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)),
      );
      return apiError(interaction.webhook.fetchMessage('@original'));
    });
    const modal = target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD });
    expect((await modalHandled).code).toBe(10008);
    expect(modal.responses.map((r) => [r.type, r.status])).toEqual([[9, 204]]);

    const updateHandled = onNextCommand(client, (interaction) =>
      apiError(
        client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
          body: { type: 7, data: { content: 'update' } },
          auth: false,
        }),
      ),
    );
    const update = target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD });
    const refused = await updateHandled;
    expect([refused.status, refused.code]).toEqual([400, 50035]);
    expect(update.original()).toBeUndefined();
  });

  it('sends autocomplete (type 4) with the focused option, and holds its answer to callback 8 with at most 25 valid choices', async () => {
    const target = await startFake();
    const client = await login(target);
    const handled = new Promise<Array<number | string>>((resolve, reject) => {
      client.once(Events.InteractionCreate, (interaction) => {
        if (!interaction.isAutocomplete()) return reject(new Error('not an autocomplete'));
        const focused = interaction.options.getFocused(true);
        const post = (body: unknown) => client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body, auth: false }).then(() => 204, (error: unknown) => (error as DiscordAPIError).status);
        const choice = (value: string) => ({ name: value.slice(0, 100), value });
        void (async () => {
          const outcomes: Array<number | string> = [`${focused.name}=${String(focused.value)}`];
          outcomes.push(await post({ type: 8, data: { choices: Array.from({ length: 26 }, (_, index) => choice(`s${index}`)) } }));
          outcomes.push(await post({ type: 8, data: { choices: [choice('x'.repeat(101))] } }));
          outcomes.push(await post({ type: 8, data: {} }));
          outcomes.push(await post({ type: 4, data: { content: 'not here' } }));
          outcomes.push(await post({ type: 8, data: { choices: [choice('noir')] } }));
          const followUp = client.rest.post(Routes.webhook(interaction.applicationId, interaction.token), { body: { content: 'no' }, auth: false });
          outcomes.push(await followUp.then(() => 200, (error: unknown) => (error as DiscordAPIError).code as number));
          resolve(outcomes);
        })();
      });
    });
    const typing = target.dispatchAutocomplete({
      commandName: 'imagine',
      guildId: GUILD,
      options: [{ name: 'prompt', type: 3, value: 'a fox' }, { name: 'style', type: 3, value: 'no', focused: true }],
    });
    expect(await handled).toEqual(['style=no', 400, 400, 400, 400, 204, 10015]);
    expect(await typing.waitForChoices()).toEqual([{ name: 'noir', value: 'noir' }]);
    expect(() => target.dispatchAutocomplete({ commandName: 'imagine', guildId: GUILD, options: [{ name: 'prompt', type: 3, value: 'a' }] })).toThrow('exactly one focused option');
  });

  it('refreshes its own attachment URLs (a route outside the published OpenAPI) and holds the body to its rules', async () => {
    const target = await startFake({ attachmentUrlLifetimeMs: 1_000 });
    const client = await login(target);
    const handled = onNextCommand(client, async (interaction) => {
      await interaction.reply({ files: [{ attachment: PNG, name: 'a b.png' }] });
      return (await interaction.fetchReply()).attachments.first()!.url;
    });
    target.dispatchInteraction({ commandName: 'imagine', guildId: GUILD });
    const url = await handled;
    await vi.waitFor(async () => expect((await fetch(url)).status).toBe(404), { timeout: 4_000, interval: 200 });
    const answer = await client.rest.post('/attachments/refresh-urls', { body: { attachment_urls: [url, url] } });
    const [first, second] = (answer as { refreshed_urls: Array<{ original: string; refreshed: string }> }).refreshed_urls;
    expect(first!.original).toBe(url);
    expect(first!.refreshed).not.toBe(url);
    expect(second).toEqual(first);
    expect(Buffer.from(await (await fetch(first!.refreshed)).arrayBuffer()).equals(PNG)).toBe(true);

    const refresh = (body: unknown) => apiError(client.rest.post('/attachments/refresh-urls', { body }));
    for (const body of [{}, { attachment_urls: [] }, { attachment_urls: Array.from({ length: 51 }, () => url) }, { attachment_urls: [7] }, { attachment_urls: 'x' }]) {
      expect(await refresh(body)).toMatchObject({ status: 400, code: 50035 });
    }
    const foreign = [`https://cdn.discordapp.com/attachments/${CHANNEL}/1/a.png?ex=1&is=1&hm=1`, url.replace(/\?.*/, ''), url.replace('a%20b.png', 'c.png')];
    for (const other of foreign) {
      expect((await refresh({ attachment_urls: [url, other] })).rawError).toMatchObject({ errors: { attachment_urls: { 1: { _errors: [{ code: 'URL_TYPE_INVALID_URL' }] } } } });
    }
    const raw = (method: string, headers: Record<string, string>) =>
      fetch(`${target.apiUrl}/v10/attachments/refresh-urls`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'GET' ? {} : { body: JSON.stringify({ attachment_urls: [url] }) }) });
    expect((await raw('POST', {})).status).toBe(401);
    expect((await raw('GET', { authorization: `Bot ${target.token}` })).status).toBe(405);
    expect(target.specViolations).toEqual([]);
  });

  it('answers 404 for the refresh route when configured as a Discord without it', async () => {
    const target = await startFake({ attachmentUrlRefresh: false });
    const client = await login(target);
    expect(await apiError(client.rest.post('/attachments/refresh-urls', { body: { attachment_urls: ['https://example.com/a.png'] } }))).toMatchObject({ status: 404 });
  });

  it('answers raw REST mistakes like Discord: unknown route, missing auth, unknown webhook and interaction', async () => {
    const target = await startFake();
    const call = async (method: string, path: string, init: RequestInit = {}) => {
      const response = await fetch(`${target.apiUrl}/v10${path}`, { method, ...init });
      expect(response.headers.get('content-type')).toBe('application/json');
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const json = { 'content-type': 'application/json' };
    expect(await call('GET', '/nowhere')).toEqual({ status: 404, body: { code: 0, message: '404: Not Found' } });
    expect(await call('GET', '/users/@me')).toEqual({ status: 401, body: { code: 0, message: '401: Unauthorized' } });
    expect(await call('GET', '/users/@me', { headers: { authorization: 'Bot wrong' } })).toMatchObject({ status: 401 });
    expect(await call('GET', '/users/@me', { headers: { authorization: `Bot ${target.token}` } })).toMatchObject({
      status: 200,
      body: { id: target.botUserId, bot: true },
    });
    expect(
      await call('POST', `/webhooks/${target.applicationId}/no-such-token`, { headers: json, body: '{"content":"x"}' }),
    ).toEqual({ status: 404, body: { code: 10015, message: 'Unknown Webhook' } });
    expect(
      await call('POST', '/interactions/1/no-such-token/callback', { headers: json, body: '{"type":5}' }),
    ).toEqual({ status: 404, body: { code: 10062, message: 'Unknown interaction' } });
    expect(
      await call('POST', `/channels/${CHANNEL}/messages`, {
        headers: { ...json, authorization: `Bot ${target.token}` },
        body: '{"content":',
      }),
    ).toMatchObject({ status: 400, body: { code: 50109 } });
    expect(target.requests.map((r) => r.status)).toEqual([404, 401, 401, 200, 404, 404, 400]);
  });
});
