/** Everything the fake remembers: configuration, guilds, channels, users, commands, messages, interactions. */
import { checkedLocale } from './locales.js';
import { createHash } from 'node:crypto';
import { CommandRegistry } from './commands.js';
import type { FakeInteraction } from './interactions.js';
import { messageJson, type MessageState } from './messages.js';
import {
  BOT_USERNAME,
  botUserJson,
  DEFAULT_ATTACHMENT_SIZE_LIMIT,
  userJson,
  type ChannelState,
  type GuildState,
} from './payloads.js';
import type { SnowflakeGenerator } from './snowflake.js';
import type { FakeAttachment, FakeDiscordOptions, FakeUserSpec } from './types.js';

export interface FakeConfig {
  token: string;
  applicationId: string;
  botUserId: string;
  shardCount: number;
  maxConcurrency: number;
  ackDeadlineMs: number;
  tokenLifetimeMs: number;
  attachmentUrlLifetimeMs: number;
  attachmentUrlRefresh: boolean;
  heartbeatIntervalMs: number;
  privilegedIntents: number;
  now: () => number;
  botPublic: boolean;
}

export function resolveConfig(options: FakeDiscordOptions, ids: SnowflakeGenerator): FakeConfig {
  const applicationId = options.applicationId ?? ids.next();
  return {
    token: options.token ?? 'fake-bot-token',
    applicationId,
    botUserId: options.botUserId ?? applicationId,
    shardCount: options.shards ?? 1,
    maxConcurrency: options.maxConcurrency ?? 1,
    ackDeadlineMs: options.ackDeadlineMs ?? 3000,
    tokenLifetimeMs: options.tokenLifetimeMs ?? 15 * 60 * 1000,
    // Discord's attachment URLs expire about a day after they are handed out.
    attachmentUrlLifetimeMs: options.attachmentUrlLifetimeMs ?? 24 * 60 * 60 * 1000,
    attachmentUrlRefresh: options.attachmentUrlRefresh ?? true,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    privilegedIntents: options.privilegedIntents ?? 0,
    now: options.now ?? (() => performance.now()),
    botPublic: options.botPublic ?? false,
  };
}

/** A URL's expiry on whole seconds, as Discord's `ex` parameter states it. */
function expiryOf(signedAt: number, lifetimeMs: number): number {
  return Math.ceil((signedAt + lifetimeMs) / 1000) * 1000;
}

function signature(key: string, signedAt: number): string {
  return createHash('sha256').update(`fake-cdn ${key} ${signedAt}`).digest('hex');
}

/** Where a message lives (a channel's list, or an interaction's responses), to change or delete it there. */
export interface MessageSlot {
  readonly message: MessageState;
  replace(next: MessageState): void;
  remove(): void;
}

export class DiscordState {
  readonly commands: CommandRegistry;
  readonly guilds = new Map<string, GuildState>();
  readonly channels = new Map<string, ChannelState>();
  readonly users = new Map<string, FakeUserSpec>();
  readonly interactionsById = new Map<string, FakeInteraction>();
  readonly interactionsByToken = new Map<string, FakeInteraction>();
  readonly channelMessages = new Map<string, MessageState[]>();
  /** guild id → member user id → role ids: everyone who used an interaction there, and those a test adds. */
  readonly members = new Map<string, Map<string, readonly string[]>>();
  /** Guilds the bot was removed from: their REST routes answer Unknown Guild. */
  readonly departedGuilds = new Set<string>();
  /** recipient user id → DM channel id */
  readonly dmChannels = new Map<string, string>();
  /** `${channelId}/${attachmentId}` → every attachment ever uploaded */
  readonly attachments = new Map<string, FakeAttachment>();
  /** Origin of the HTTP server, e.g. http://127.0.0.1:1234; set once listening. */
  origin = '';

  constructor(
    readonly config: FakeConfig,
    readonly ids: SnowflakeGenerator,
  ) {
    this.commands = new CommandRegistry(config.applicationId, ids);
  }

  addGuilds(specs: NonNullable<FakeDiscordOptions['guilds']>): void {
    const joinedAt = new Date().toISOString();
    for (const spec of specs) {
      const channels = spec.channels ?? [{ id: this.ids.next(), name: 'general' }];
      channels.forEach((channel, position) => {
        this.channels.set(channel.id, {
          kind: 'guild-text',
          id: channel.id,
          guildId: spec.id,
          name: channel.name ?? `channel-${position}`,
          position,
          ...(channel.parentId === undefined ? {} : { thread: { parentId: channel.parentId, announced: channel.announced ?? true } }),
        });
      });
      this.guilds.set(spec.id, {
        id: spec.id,
        name: spec.name ?? `Guild ${spec.id}`,
        attachmentSizeLimit: spec.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT,
        locale: checkedLocale(spec.locale, 'guild locale') ?? 'en-US',
        botInstalled: spec.botInstalled ?? true,
        channelIds: channels.map((channel) => channel.id),
        ownerId: this.ids.next(),
        joinedAt,
      });
    }
  }

  /** The guild, if the bot is in it. */
  botGuild(guildId: string): GuildState | undefined {
    const guild = this.guilds.get(guildId);
    return this.departedGuilds.has(guildId) || guild?.botInstalled === false ? undefined : guild;
  }

  setMember(guildId: string, userId: string, roles: readonly string[]): void {
    const members = this.members.get(guildId) ?? new Map<string, readonly string[]>();
    members.set(userId, [...roles]);
    this.members.set(guildId, members);
  }

  rememberUser(user: FakeUserSpec): void {
    this.users.set(user.id, { ...this.users.get(user.id), ...user });
  }

  botUserJson(): Record<string, unknown> {
    return botUserJson(this.config.botUserId);
  }

  userJson(id: string): Record<string, unknown> {
    if (id === this.config.botUserId) return this.botUserJson();
    return userJson(this.users.get(id) ?? { id });
  }

  /** The DM channel with a user, created on first use (as POST /users/@me/channels does). */
  ensureDmChannel(userId: string): ChannelState {
    const existing = this.dmChannels.get(userId);
    const channel = existing === undefined ? undefined : this.channels.get(existing);
    if (channel) return channel;
    const created: ChannelState = { kind: 'dm', id: this.ids.next(), recipientId: userId };
    this.channels.set(created.id, created);
    this.dmChannels.set(userId, created.id);
    return created;
  }

  guildOfChannel(channelId: string): GuildState | undefined {
    const channel = this.channels.get(channelId);
    return channel?.kind === 'guild-text' ? this.guilds.get(channel.guildId) : undefined;
  }

  /**
   * A signed CDN URL, as Discord's: `ex` (expiry, hex seconds), `is` (issued) and `hm` (signature). The same
   * URL is handed out until it expires; then the attachment is signed anew, as when Discord serves a message.
   */
  attachmentUrl(channelId: string, attachment: FakeAttachment): string {
    const key = `${channelId}/${attachment.id}`;
    const now = Date.now();
    let signedAt = this.#signedAt.get(key);
    if (signedAt === undefined || now >= expiryOf(signedAt, this.config.attachmentUrlLifetimeMs)) {
      signedAt = now;
      this.#signedAt.set(key, signedAt);
    }
    const hex = (ms: number) => Math.floor(ms / 1000).toString(16);
    const query = `ex=${hex(expiryOf(signedAt, this.config.attachmentUrlLifetimeMs))}&is=${hex(signedAt)}&hm=${signature(key, signedAt)}`;
    return `${this.origin}/attachments/${channelId}/${attachment.id}/${encodeURIComponent(attachment.filename)}?${query}`;
  }

  /** Whether an attachment URL carries the attachment's current signature and has not expired. */
  attachmentUrlValid(channelId: string, attachmentId: string, query: Record<string, string>): boolean {
    const key = `${channelId}/${attachmentId}`;
    const signedAt = this.#signedAt.get(key);
    return signedAt !== undefined && query['hm'] === signature(key, signedAt) && Date.now() < expiryOf(signedAt, this.config.attachmentUrlLifetimeMs);
  }

  /** `${channelId}/${attachmentId}` → when its current URL was signed (wall-clock ms). */
  readonly #signedAt = new Map<string, number>();

  /** Remembers a message's attachments so their URLs keep working after edits, as Discord's CDN does. */
  track(message: MessageState): MessageState {
    for (const attachment of message.attachments) this.attachments.set(`${message.channelId}/${attachment.id}`, attachment);
    return message;
  }

  findAttachment(channelId: string, attachmentId: string): FakeAttachment | undefined {
    return this.attachments.get(`${channelId}/${attachmentId}`);
  }

  /** Finds a message wherever it lives: posted to a channel, or an interaction's response or follow-up. */
  locateMessage(id: string): MessageSlot | undefined {
    for (const list of this.channelMessages.values()) {
      const found = list.find((m) => m.id === id);
      if (found === undefined) continue;
      const at = () => list.findIndex((m) => m.id === id);
      return {
        message: found,
        replace: (next) => {
          if (at() >= 0) list[at()] = this.track(next);
        },
        remove: () => {
          if (at() >= 0) list.splice(at(), 1);
        },
      };
    }
    for (const interaction of this.interactionsById.values()) {
      const found = interaction.originalState?.id === id ? interaction.originalState : interaction.followupStates.find((m) => m.id === id);
      if (found === undefined) continue;
      return {
        message: found,
        replace: (next) => {
          this.track(next);
          if (interaction.originalState?.id === id) interaction.setOriginal(next, true);
          interaction.replaceFollowup(next);
        },
        remove: () => {
          if (interaction.originalState?.id === id) interaction.setOriginal(undefined, false);
          interaction.removeFollowup(id);
        },
      };
    }
    return undefined;
  }

  messageJson(message: MessageState): Record<string, unknown> {
    const guild = this.guildOfChannel(message.channelId);
    return messageJson(message, {
      author: message.authorId === undefined ? userJson({ id: this.config.botUserId, username: BOT_USERNAME, bot: true }) : this.userJson(message.authorId),
      applicationId: this.config.applicationId,
      attachmentUrl: (channelId, attachment) => this.attachmentUrl(channelId, attachment),
      userJson: (id) => this.userJson(id),
      ...(guild === undefined ? {} : { guildId: guild.id }),
    });
  }
}
