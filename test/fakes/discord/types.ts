/** Public shapes of the fake Discord: what tests configure and what they inspect. */

export interface FakeChannelSpec {
  id: string;
  name?: string;
  /** Makes this a public thread of that channel (type 11). */
  parentId?: string;
  /** false: a thread started after the bot connected whose THREAD_CREATE it missed (not in GUILD_CREATE). */
  announced?: boolean;
}

export interface FakeGuildSpec {
  id: string;
  name?: string;
  /** Bytes; default 10 MiB. Limit for uploads to this guild's channels and default for its interactions. */
  attachmentSizeLimit?: number;
  /** Default: one text channel named "general". */
  channels?: FakeChannelSpec[];
  /** The server's preferred locale (GUILD_CREATE's preferred_locale, interactions' guild_locale); default en-US. */
  locale?: string;
  /**
   * Default true. False: a server that has not installed the bot, where members use it through their own
   * install: no GUILD_CREATE, its channels answer the bot 403 Missing Access, its interactions are user-installed.
   */
  botInstalled?: boolean;
}

export interface FakeUserSpec {
  id: string;
  username?: string;
  globalName?: string;
  bot?: boolean;
}

export interface FakeDiscordOptions {
  /** Expected bot token (default 'fake-bot-token'). */
  token?: string;
  applicationId?: string;
  /** Default: the application id, as for every bot created through the developer portal. */
  botUserId?: string;
  guilds?: FakeGuildSpec[];
  /** Shard count returned by /gateway/bot and required in IDENTIFY (default 1). */
  shards?: number;
  /** session_start_limit.max_concurrency (default 1, as for small bots; discord.js then waits 5 s between shard identifies). */
  maxConcurrency?: number;
  /** Callback later than this after dispatch → 404 10062 (default 3000). */
  ackDeadlineMs?: number;
  /** Webhook calls with an interaction token older than this → 401 50027 (default 15 min). */
  tokenLifetimeMs?: number;
  /** How long an attachment URL works after it is handed out; default a day, as on Discord. */
  attachmentUrlLifetimeMs?: number;
  /** Default true. False: a Discord (or proxy) without `POST /attachments/refresh-urls`, which then answers 404. */
  attachmentUrlRefresh?: boolean;
  /** HELLO heartbeat_interval (default 41250). */
  heartbeatIntervalMs?: number;
  /** Privileged intents enabled for the app in the developer portal (bitfield, default 0): others → close 4014. */
  privilegedIntents?: number;
  /** Monotonic clock in ms used for deadlines and `at` stamps (default performance.now). */
  now?: () => number;
  /** The application's Public Bot switch, as GET /applications/@me reports it (default false). */
  botPublic?: boolean;
}

export interface RecordedFile {
  /** Form field name, e.g. `files[0]`. */
  name: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** Route without the `/api/v10` prefix, percent-decoded (e.g. `/webhooks/1/tok/messages/@original`). */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  json?: unknown;
  files: RecordedFile[];
  /** HTTP status the fake answered. */
  status: number;
  at: number;
}

export interface ComputedMentions {
  everyone: boolean;
  users: string[];
  roles: string[];
}

export interface FakeAttachment {
  id: string;
  filename: string;
  contentType?: string;
  size: number;
  bytes: Buffer;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  content: string;
  embeds: unknown[];
  flags: number;
  attachments: FakeAttachment[];
  allowedMentions: unknown;
  components: unknown[];
  mentions: ComputedMentions;
  at: number;
}

export interface InteractionCallback {
  type: number;
  data: unknown;
  at: number;
  /** at - dispatchedAt */
  latencyMs: number;
  files: RecordedFile[];
  /** HTTP status the fake answered (204/200 when accepted). */
  status: number;
}

export interface CommandOptionSpec {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOptionSpec[];
  focused?: boolean;
}

/** A file a member uploads (an attachment option, or a message of theirs). */
export interface FakeUpload {
  filename: string;
  contentType?: string;
  bytes: Buffer;
  /** The size Discord reports (default: the bytes' length); lets a test claim a huge file cheaply. */
  size?: number;
}

export interface InteractionSpec {
  commandName: string;
  options?: CommandOptionSpec[];
  /** Omit for a DM interaction (user instead of member, context 1). */
  guildId?: string;
  /** Default: the guild's first channel, or the user's DM channel. */
  channelId?: string;
  user?: FakeUserSpec;
  /** Bitfield string for member.permissions (default '0'). */
  memberPermissions?: string;
  /** The member's role ids (default none). */
  memberRoles?: string[];
  /** Default: every text permission. */
  appPermissions?: string;
  /** Default: the guild's limit (10 MiB). */
  attachmentSizeLimit?: number;
  resolvedUsers?: FakeUserSpec[];
  /** Roles named by role options (resolved.roles). */
  resolvedRoles?: Array<{ id: string; name?: string }>;
  /** Channel ids named by channel options (resolved.channels, from the fake's channels). */
  resolvedChannels?: string[];
  /** Default: id of the registered command with that name, else a fresh snowflake. */
  commandId?: string;
  locale?: string;
  /** Attachment options (type 11) by option name: uploaded, resolved and served like Discord's. */
  attachments?: Record<string, FakeUpload>;
  /** Makes it a message command (type 3) used on this message. */
  targetMessageId?: string;
}

/** A member pressing a button (or using another component) on a message. */
export interface ComponentSpec {
  messageId: string;
  customId: string;
  /** Default 2 (button). */
  componentType?: number;
  user?: FakeUserSpec;
  memberPermissions?: string;
  memberRoles?: string[];
  appPermissions?: string;
  attachmentSizeLimit?: number;
}

/** A message a member posts (e.g. a photo someone will edit). */
export interface MemberMessageSpec {
  channelId: string;
  user: FakeUserSpec;
  content?: string;
  files?: FakeUpload[];
}

/** A command as stored by Discord and returned by the commands routes. */
export type RegisteredCommand = Record<string, unknown> & {
  id: string;
  application_id: string;
  version: string;
  name: string;
  type: number;
  guild_id?: string;
};

export interface FaultSpec {
  method?: string;
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Default 1. */
  times?: number;
}
