/** Gateway discovery, the bot's user and application, channels, channel messages and DM channels. */
import { FormErrors, missingAccess, unknownChannel, unknownGuild, unknownMember, unknownMessage, unknownUser } from './errors.js';
import { isRecord } from './json.js';
import { createMessage, editMessage, MessageFlag, MessageType, type MessageWrite } from './messages.js';
import { channelJson, DEFAULT_ATTACHMENT_SIZE_LIMIT, guildMemberJson, type ChannelState } from './payloads.js';
import { param, type Route, type RouteRequest } from './router.js';
import { isSnowflake } from './snowflake.js';
import type { DiscordState, MessageSlot } from './state.js';
import { checkUploadSize, validateMessageWrite } from './validation.js';

export function messageWrite(req: RouteRequest): MessageWrite {
  return { body: isRecord(req.body.json) ? req.body.json : {}, files: req.body.files };
}

function validateWrite(write: MessageWrite, prefix: string[] = []): void {
  const errors = new FormErrors();
  validateMessageWrite(write, errors);
  errors.throwIfAny(prefix);
}

export function coreRoutes(state: DiscordState, gatewayUrl: () => string): Route[] {
  const { config, ids } = state;

  const channelOf = (id: string): ChannelState => {
    const channel = state.channels.get(id);
    if (!channel) throw unknownChannel();
    // A server that never installed the bot: its channels are not the bot's to read or post in.
    if (channel.kind === 'guild-text' && state.guilds.get(channel.guildId)?.botInstalled === false) throw missingAccess();
    return channel;
  };
  const uploadLimit = (channel: ChannelState) =>
    channel.kind === 'guild-text'
      ? (state.guilds.get(channel.guildId)?.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT)
      : DEFAULT_ATTACHMENT_SIZE_LIMIT;
  /** A message of the channel: posted to it, or an interaction's (non-ephemeral) response in it. */
  const messageOf = (channelId: string, messageId: string): MessageSlot => {
    channelOf(channelId);
    const slot = state.locateMessage(messageId);
    if (!slot || slot.message.channelId !== channelId || (slot.message.flags & MessageFlag.Ephemeral) !== 0) throw unknownMessage();
    return slot;
  };
  const channelPayload = (channel: ChannelState) =>
    channelJson(channel, channel.kind === 'dm' ? (state.users.get(channel.recipientId) ?? { id: channel.recipientId }) : undefined);

  const gatewayBot = {
    url: gatewayUrl(),
    shards: config.shardCount,
    session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: config.maxConcurrency },
  };

  return [
    { method: 'GET', pattern: '/gateway', auth: false, handle: () => ({ status: 200, body: { url: gatewayUrl() } }) },
    { method: 'GET', pattern: '/gateway/bot', auth: true, handle: () => ({ status: 200, body: { ...gatewayBot, url: gatewayUrl() } }) },
    { method: 'GET', pattern: '/users/@me', auth: true, handle: () => ({ status: 200, body: state.botUserJson() }) },
    {
      method: 'GET',
      pattern: '/users/:user',
      auth: true,
      handle: (req) => {
        const id = param(req, 0);
        if (id !== config.botUserId && !state.users.has(id)) throw unknownUser();
        return { status: 200, body: state.userJson(id) };
      },
    },
    {
      method: 'GET',
      pattern: '/applications/@me',
      auth: true,
      handle: () => ({
        status: 200,
        body: {
          id: config.applicationId,
          name: 'fake-bot',
          icon: null,
          description: '',
          summary: '',
          type: null,
          bot_public: config.botPublic,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          flags: 0,
          tags: [],
          integration_types_config: { '0': {} },
          bot: state.botUserJson(),
          owner: state.userJson(config.botUserId),
          team: null,
          approximate_guild_count: state.guilds.size,
          redirect_uris: [],
          interactions_endpoint_url: null,
        },
      }),
    },
    {
      method: 'GET',
      pattern: '/guilds/:guild/members/:user',
      auth: true,
      handle: (req) => {
        const guild = state.botGuild(param(req, 0));
        if (!guild) throw unknownGuild();
        const userId = param(req, 1);
        const roles = state.members.get(guild.id)?.get(userId);
        if (roles === undefined) throw unknownMember();
        return {
          status: 200,
          body: guildMemberJson(guild.joinedAt, [...roles], state.userJson(userId)),
        };
      },
    },
    {
      method: 'POST',
      pattern: '/users/@me/channels',
      auth: true,
      handle: (req) => {
        const recipient = isRecord(req.body.json) ? req.body.json['recipient_id'] : undefined;
        if (!isSnowflake(recipient)) {
          const errors = new FormErrors();
          errors.add(['recipient_id'], recipient === undefined ? 'BASE_TYPE_REQUIRED' : 'NUMBER_TYPE_COERCE',
            recipient === undefined ? 'This field is required' : `Value "${String(recipient)}" is not snowflake.`);
          errors.throwIfAny();
        }
        const channel = state.ensureDmChannel(recipient as string);
        return { status: 200, body: channelPayload(channel) };
      },
    },
    { method: 'GET', pattern: '/channels/:channel', auth: true, handle: (req) => ({ status: 200, body: channelPayload(channelOf(param(req, 0))) }) },
    { method: 'POST', pattern: '/channels/:channel/typing', auth: true, handle: (req) => (channelOf(param(req, 0)), { status: 204 }) },
    {
      method: 'POST',
      pattern: '/channels/:channel/messages',
      auth: true,
      handle: (req) => {
        const channel = channelOf(param(req, 0));
        checkUploadSize(req.body.files, uploadLimit(channel));
        const write = messageWrite(req);
        validateWrite(write);
        const reference = write.body['message_reference'];
        const message = state.track(createMessage(write, {
          id: ids.next(),
          channelId: channel.id,
          type: isRecord(reference) ? MessageType.Reply : MessageType.Default,
          ...(isRecord(reference) ? { messageReference: { channel_id: channel.id, ...reference, type: 0 } } : {}),
          at: config.now(),
          createdAt: new Date(),
          newAttachmentId: () => ids.next(),
          allowEphemeral: false,
        }));
        const list = state.channelMessages.get(channel.id) ?? [];
        list.push(message);
        state.channelMessages.set(channel.id, list);
        return { status: 200, body: state.messageJson(message) };
      },
    },
    {
      method: 'GET',
      pattern: '/channels/:channel/messages/:message',
      auth: true,
      handle: (req) => {
        return { status: 200, body: state.messageJson(messageOf(param(req, 0), param(req, 1)).message) };
      },
    },
    {
      method: 'PATCH',
      pattern: '/channels/:channel/messages/:message',
      auth: true,
      handle: (req) => {
        const channel = channelOf(param(req, 0));
        const slot = messageOf(channel.id, param(req, 1));
        checkUploadSize(req.body.files, uploadLimit(channel));
        const write = messageWrite(req);
        validateWrite(write);
        const edited = state.track(editMessage(slot.message, write, { at: config.now(), editedAt: new Date(), newAttachmentId: () => ids.next() }));
        slot.replace(edited);
        return { status: 200, body: state.messageJson(edited) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/channels/:channel/messages/:message',
      auth: true,
      handle: (req) => {
        messageOf(param(req, 0), param(req, 1)).remove();
        return { status: 204 };
      },
    },
  ];
}
