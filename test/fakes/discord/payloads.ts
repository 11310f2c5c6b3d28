/** JSON shapes of users, guilds and channels as Discord sends them over REST and the gateway. */
import type { FakeUserSpec } from './types.js';

export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;
export const BOT_USERNAME = 'fake-bot';

export interface GuildState {
  id: string;
  name: string;
  attachmentSizeLimit: number;
  /** Discord locale: preferred_locale and interactions' guild_locale. */
  locale: string;
  /** Whether the bot is installed in the server (false: only members' own installs reach it there). */
  botInstalled: boolean;
  channelIds: string[];
  ownerId: string;
  joinedAt: string;
}

export type ChannelState =
  | { kind: 'guild-text'; id: string; guildId: string; name: string; position: number; thread?: ThreadState }
  | { kind: 'dm'; id: string; recipientId: string };

/** A guild channel that is a public thread of `parentId`; `announced` false keeps it out of GUILD_CREATE. */
export interface ThreadState {
  parentId: string;
  announced: boolean;
}

/** A guild member object as Discord sends it (GET /guilds/{g}/members/{u}, and inside interactions). */
export function guildMemberJson(joinedAt: string, roles: readonly string[], user?: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(user ? { user } : {}),
    roles: [...roles],
    joined_at: joinedAt,
    deaf: false,
    mute: false,
    flags: 0,
    nick: null,
    avatar: null,
    banner: null,
    premium_since: null,
    pending: false,
    communication_disabled_until: null,
  };
}

export function userJson(user: FakeUserSpec): Record<string, unknown> {
  const username = user.username ?? `user${user.id.slice(-4)}`;
  return {
    id: user.id,
    username,
    discriminator: '0',
    global_name: user.globalName ?? (user.bot ? null : username),
    avatar: null,
    avatar_decoration_data: null,
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    collectibles: null,
    display_name_styles: null,
    primary_guild: null,
    ...(user.bot ? { bot: true } : {}),
  };
}

export function botUserJson(botUserId: string): Record<string, unknown> {
  return {
    ...userJson({ id: botUserId, username: BOT_USERNAME, bot: true }),
    verified: true,
    mfa_enabled: false,
    email: null,
    locale: 'en-US',
    premium_type: 0,
  };
}

export function channelJson(channel: ChannelState, recipient?: FakeUserSpec): Record<string, unknown> {
  if (channel.kind === 'dm') {
    return {
      id: channel.id,
      type: 1,
      flags: 0,
      last_message_id: null,
      recipients: recipient ? [userJson(recipient)] : [],
    };
  }
  if (channel.thread) return threadJson(channel, channel.thread);
  return {
    id: channel.id,
    type: 0,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    flags: 0,
    parent_id: null,
    topic: null,
    nsfw: false,
    rate_limit_per_user: 0,
    last_message_id: null,
    permission_overwrites: [],
  };
}

function threadJson(channel: ChannelState & { kind: 'guild-text' }, thread: ThreadState): Record<string, unknown> {
  return {
    id: channel.id,
    type: 11,
    guild_id: channel.guildId,
    name: channel.name,
    flags: 0,
    parent_id: thread.parentId,
    owner_id: channel.guildId,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date(0).toISOString(), locked: false },
  };
}

/** A role as Discord describes it (in GUILD_CREATE, and resolved for a role option). */
export function roleJson(id: string, name: string, overrides: { position?: number; permissions?: string } = {}): Record<string, unknown> {
  return {
    id,
    name,
    description: null,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: overrides.position ?? 1,
    permissions: overrides.permissions ?? '0',
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

function isThread(channel: ChannelState): channel is ChannelState & { kind: 'guild-text'; thread: ThreadState } {
  return channel.kind === 'guild-text' && channel.thread !== undefined;
}

function everyoneRole(guildId: string): Record<string, unknown> {
  return roleJson(guildId, '@everyone', { position: 0, permissions: '2248473465835073' });
}

/** GUILD_CREATE payload: a full available guild with enough fields for discord.js' Guild#_patch. */
export function guildCreateJson(guild: GuildState, channels: ChannelState[]): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    application_id: null,
    region: 'deprecated',
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: guild.locale,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    max_members: 25000000,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    hub_type: null,
    incidents_data: null,
    lazy: true,
    large: false,
    unavailable: false,
    joined_at: guild.joinedAt,
    member_count: 2,
    features: [],
    roles: [everyoneRole(guild.id)],
    emojis: [],
    stickers: [],
    channels: channels.filter((channel) => !isThread(channel)).map((channel) => {
      // Channels inside GUILD_CREATE carry no guild_id, as on Discord.
      const { guild_id: _guildId, ...rest } = channelJson(channel);
      return rest;
    }),
    // Only active threads the bot can see; a thread that was not announced arrives with its interaction.
    threads: channels.filter((channel) => isThread(channel) && channel.thread.announced).map((channel) => channelJson(channel)),
    members: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    activity_instances: [],
    version: Date.now(),
  };
}
