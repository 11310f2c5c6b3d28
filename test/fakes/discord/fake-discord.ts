/** FakeDiscord: REST API v10 + gateway on one 127.0.0.1 port, for driving an unmodified discord.js Client. */
import { checkedLocale } from './locales.js';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import { FakeGateway } from './gateway.js';
import {
  commandDataJson,
  DEFAULT_APP_PERMISSIONS,
  DEFAULT_USER,
  FakeInteraction,
  INTERACTION_TYPES,
  interactionJson,
  type InteractionKind,
} from './interactions.js';
import { submittedModalComponents } from './modals.js';
import { attachmentJson, MessageFlag, MessageType, snapshotMessage, type MessageState } from './messages.js';
import { channelJson, guildCreateJson, roleJson, type ChannelState, type GuildState } from './payloads.js';
import { attachmentRoutes } from './routes-attachments.js';
import { coreRoutes } from './routes-core.js';
import { commandRoutes } from './routes-commands.js';
import { interactionRoutes } from './routes-interactions.js';
import { createRestHandler } from './server.js';
import { formatSpecViolations, sharedSpecConformance, type SpecViolation } from './spec-conformance.js';
import { shardOfGuild, SnowflakeGenerator } from './snowflake.js';
import { DiscordState, resolveConfig } from './state.js';
import type {
  CommandOptionSpec,
  ComponentSpec,
  FakeAttachment,
  FakeUpload,
  MemberMessageSpec,
  FakeDiscordOptions,
  FakeMessage,
  FakeUserSpec,
  FaultSpec,
  InteractionSpec,
  RecordedRequest,
  RegisteredCommand,
} from './types.js';
import { ChangeNotifier } from './waiting.js';

interface DispatchInput {
  kind: InteractionKind;
  commandType?: number;
  /** Command name or custom_id. */
  name: string;
  guildId: string | undefined;
  channel: ChannelState;
  user: FakeUserSpec;
  memberPermissions?: string | undefined;
  memberRoles?: readonly string[] | undefined;
  appPermissions?: string | undefined;
  locale?: string | undefined;
  attachmentSizeLimit?: number | undefined;
  sourceMessageId?: string | undefined;
  data: Record<string, unknown>;
  message?: Record<string, unknown>;
}

export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  /** Bodies the real Discord would refuse by its OpenAPI description; each was also answered 400 50035. */
  readonly specViolations: SpecViolation[] = [];
  /** TCP connections accepted so far (REST and gateway alike). */
  connectionsAccepted = 0;
  private readonly changes = new ChangeNotifier();
  private readonly faults = new FaultInjector();
  private readonly gateway: FakeGateway;
  private readonly server: Server;
  private origin = '';

  private constructor(private readonly state: DiscordState) {
    const { config } = state;
    this.gateway = new FakeGateway({
      token: config.token,
      shardCount: config.shardCount,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      privilegedIntents: config.privilegedIntents,
      gatewayUrl: () => this.gatewayUrl,
      readyData: (shardId) => this.readyData(shardId),
      guildCreates: (shardId) => this.guildCreatesFor(shardId),
      onChange: () => this.changes.notify(),
    });
    const routes = [
      ...coreRoutes(state, () => this.gatewayUrl),
      ...commandRoutes(state),
      ...interactionRoutes(state),
      ...(config.attachmentUrlRefresh ? attachmentRoutes(state) : []),
    ];
    this.server = createServer(
      createRestHandler({
        state,
        routes,
        faults: this.faults,
        conformance: sharedSpecConformance(),
        onSpecViolations: (violations) => {
          this.specViolations.push(...violations);
          this.changes.notify();
        },
        record: (request) => {
          this.requests.push(request);
          this.changes.notify();
        },
      }),
    );
    this.server.on('connection', () => (this.connectionsAccepted += 1));
    this.gateway.attach(this.server);
  }

  /** Throws, listing each one with its JSON path and value, if the bot sent a body Discord's spec refuses. */
  assertConformingRequests(): void {
    if (this.specViolations.length === 0) return;
    throw new Error(`fake Discord: the bot sent ${this.specViolations.length} request bod${this.specViolations.length === 1 ? 'y' : 'ies'} Discord's OpenAPI description refuses:\n${formatSpecViolations(this.specViolations)}`);
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const ids = new SnowflakeGenerator();
    const state = new DiscordState(resolveConfig(options, ids), ids);
    state.addGuilds(options.guilds ?? []);
    const fake = new FakeDiscord(state);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = fake.server.address() as AddressInfo;
    fake.origin = `http://127.0.0.1:${port}`;
    state.origin = fake.origin;
    return fake;
  }

  /** What the bot gets as DISCORD_API_URL (discord.js appends `/v10`). */
  get apiUrl(): string {
    return `${this.origin}/api`;
  }

  get gatewayUrl(): string {
    return this.origin.replace(/^http/, 'ws');
  }

  get token(): string {
    return this.state.config.token;
  }

  get applicationId(): string {
    return this.state.config.applicationId;
  }

  get botUserId(): string {
    return this.state.config.botUserId;
  }

  waitForRequest(predicate: (request: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    return this.changes.waitFor(() => this.requests.find(predicate), timeoutMs, 'a matching REST request');
  }

  /** Resolves once a client has IDENTIFY'd on every shard and was sent READY and its GUILD_CREATEs. */
  waitForReady(timeoutMs = 10_000): Promise<void> {
    const all = Array.from({ length: this.state.config.shardCount }, (_, shard) => shard);
    return this.changes
      .waitFor(
        () => {
          const connected = new Set(this.connectedShards());
          return all.every((shard) => connected.has(shard)) ? true : undefined;
        },
        timeoutMs,
        `READY on all ${all.length} shard(s)`,
      )
      .then(() => undefined);
  }

  connectedShards(): number[] {
    return this.gateway.connectedShards();
  }

  commands(guildId?: string): RegisteredCommand[] {
    return this.state.commands.list(guildId);
  }

  /**
   * Sends INTERACTION_CREATE for an application command on the shard that owns the guild (shard 0 for DMs):
   * a slash command, or a message command when `targetMessageId` is given.
   */
  dispatchInteraction(spec: InteractionSpec): FakeInteraction {
    return this.dispatchCommand(spec, 'command');
  }

  /**
   * A member typing into an option with `autocomplete: true`: INTERACTION_CREATE of type 4, whose options say
   * what is typed so far, the option being typed marked `focused: true` (Discord sends such options as strings).
   */
  dispatchAutocomplete(spec: InteractionSpec): FakeInteraction {
    const focused = (options: readonly CommandOptionSpec[]): number => options.reduce((count, option) => count + (option.focused ? 1 : 0) + focused(option.options ?? []), 0);
    if (focused(spec.options ?? []) !== 1) throw new Error('FakeDiscord: an autocomplete has exactly one focused option');
    return this.dispatchCommand(spec, 'autocomplete');
  }

  private dispatchCommand(spec: InteractionSpec, kind: 'command' | 'autocomplete'): FakeInteraction {
    const { state } = this;
    const { ids } = state;
    const user = spec.user ?? DEFAULT_USER;
    for (const resolved of spec.resolvedUsers ?? []) state.rememberUser(resolved);
    const channel = this.interactionChannel(spec, user.id);
    const guild = spec.guildId === undefined ? undefined : state.guilds.get(spec.guildId);
    const registered = state.commands.findByName(spec.commandName, spec.guildId);
    const attachments: Record<string, Record<string, unknown>> = {};
    const options = [...(spec.options ?? [])];
    for (const [name, upload] of Object.entries(spec.attachments ?? {})) {
      const attachment = this.upload(channel.id, upload);
      attachments[attachment.id] = { ...attachmentJson(attachment, state.attachmentUrl(channel.id, attachment)), ephemeral: true };
      options.push({ name, type: 11, value: attachment.id });
    }
    let targetMessage: Record<string, unknown> | undefined;
    if (spec.targetMessageId !== undefined) {
      const target = state.locateMessage(spec.targetMessageId);
      if (!target) throw new Error(`FakeDiscord: no message ${spec.targetMessageId} to use a message command on`);
      targetMessage = state.messageJson(target.message);
    }
    const joinedAt = guild?.joinedAt ?? new Date().toISOString();
    const roles = Object.fromEntries((spec.resolvedRoles ?? []).map((role) => [role.id, roleJson(role.id, role.name ?? `role-${role.id.slice(-4)}`)]));
    const channels = Object.fromEntries(
      (spec.resolvedChannels ?? []).map((id) => {
        const resolvedChannel = state.channels.get(id);
        if (!resolvedChannel) throw new Error(`FakeDiscord: unknown channel ${id} in resolvedChannels`);
        return [id, { ...channelJson(resolvedChannel), permissions: DEFAULT_APP_PERMISSIONS }];
      }),
    );
    const data = commandDataJson({
      roles,
      channels,
      commandId: spec.commandId ?? registered?.id ?? ids.next(),
      commandGuildId: registered?.guild_id,
      spec: { ...spec, ...(options.length === 0 ? {} : { options }) },
      joinedAt,
      attachments,
      targetMessage,
    });
    return this.dispatch({
      kind,
      commandType: targetMessage === undefined ? 1 : 3,
      name: spec.commandName,
      guildId: spec.guildId,
      channel,
      user,
      memberPermissions: spec.memberPermissions,
      memberRoles: spec.memberRoles,
      appPermissions: spec.appPermissions,
      locale: spec.locale,
      attachmentSizeLimit: spec.attachmentSizeLimit,
      data,
    });
  }

  /** A member presses a component (a button by default) on a message, wherever that message lives. */
  dispatchComponent(spec: ComponentSpec): FakeInteraction {
    const slot = this.state.locateMessage(spec.messageId);
    if (!slot) throw new Error(`FakeDiscord: no message ${spec.messageId} to press a component on`);
    const message = slot.message;
    const channel = this.state.channels.get(message.channelId);
    if (!channel) throw new Error(`FakeDiscord: message ${message.id} is in an unknown channel`);
    const user = spec.user ?? DEFAULT_USER;
    if (channel.kind === 'dm' && channel.recipientId !== user.id) throw new Error(`FakeDiscord: only ${channel.recipientId} sees DM channel ${channel.id}`);
    if ((message.flags & MessageFlag.Ephemeral) !== 0) {
      const viewer = (message.interactionMetadata?.['user'] as { id?: string } | undefined)?.id;
      if (viewer !== user.id) throw new Error(`FakeDiscord: only ${viewer ?? 'its member'} sees ephemeral message ${message.id}`);
    }
    return this.dispatch({
      kind: 'component',
      name: spec.customId,
      guildId: channel.kind === 'guild-text' ? channel.guildId : undefined,
      channel,
      user,
      memberPermissions: spec.memberPermissions,
      memberRoles: spec.memberRoles,
      appPermissions: spec.appPermissions,
      attachmentSizeLimit: spec.attachmentSizeLimit,
      sourceMessageId: message.id,
      data: { custom_id: spec.customId, component_type: spec.componentType ?? 2 },
      message: this.state.messageJson(message),
    });
  }

  /**
   * The member who was shown a modal submits it with these text input values (by custom_id). Every value
   * must name a text input of the modal the bot opened; inputs left out are submitted empty. `asCustomId`
   * submits it under another custom_id, as if an older version of the bot had opened it.
   */
  submitModal(opener: FakeInteraction, values: Record<string, string>, asCustomId?: string): FakeInteraction {
    const opened = opener.modal();
    if (!opened) throw new Error(`FakeDiscord: interaction ${opener.commandName} opened no modal`);
    const modal = asCustomId === undefined ? opened : { ...opened, custom_id: asCustomId };
    const submitted = submittedModalComponents(modal, values);
    const channel = this.state.channels.get(opener.channelId);
    if (!channel) throw new Error(`FakeDiscord: unknown channel ${opener.channelId}`);
    const source = opener.sourceMessageId === undefined ? undefined : this.state.locateMessage(opener.sourceMessageId);
    return this.dispatch({
      kind: 'modal',
      name: String(modal['custom_id']),
      guildId: opener.guildId,
      channel,
      user: opener.user,
      memberPermissions: opener.memberPermissions,
      memberRoles: opener.memberRoles,
      attachmentSizeLimit: opener.attachmentSizeLimit,
      sourceMessageId: source?.message.id,
      data: { custom_id: modal['custom_id'], components: submitted },
      ...(source ? { message: this.state.messageJson(source.message) } : {}),
    });
  }

  /** A member posts a message (with files) in a channel; no event reaches the bot (it has no message intents). */
  postMemberMessage(spec: MemberMessageSpec): FakeMessage {
    const { state } = this;
    state.rememberUser(spec.user);
    const channel = state.channels.get(spec.channelId);
    if (!channel) throw new Error(`FakeDiscord: unknown channel ${spec.channelId}`);
    const message: MessageState = {
      id: state.ids.next(),
      channelId: channel.id,
      type: MessageType.Default,
      content: spec.content ?? '',
      embeds: [],
      components: [],
      flags: 0,
      attachments: (spec.files ?? []).map((file) => this.upload(channel.id, file)),
      allowedMentions: undefined,
      mentions: { everyone: false, users: [], roles: [] },
      createdAt: new Date(),
      editedAt: null,
      at: state.config.now(),
      authorId: spec.user.id,
    };
    const list = state.channelMessages.get(channel.id) ?? [];
    list.push(state.track(message));
    state.channelMessages.set(channel.id, list);
    return snapshotMessage(message);
  }

  /** A message as it is now, wherever it lives; undefined once deleted. */
  findMessage(messageId: string): FakeMessage | undefined {
    const slot = this.state.locateMessage(messageId);
    return slot && snapshotMessage(slot.message);
  }

  /** The URL Discord's CDN serves an attachment at (the fake serves it too). */
  attachmentUrl(channelId: string, attachment: FakeAttachment): string {
    return this.state.attachmentUrl(channelId, attachment);
  }

  private upload(channelId: string, file: FakeUpload): FakeAttachment {
    const attachment: FakeAttachment = {
      id: this.state.ids.next(),
      filename: file.filename,
      ...(file.contentType === undefined ? {} : { contentType: file.contentType }),
      size: file.size ?? file.bytes.length,
      bytes: file.bytes,
    };
    this.state.attachments.set(`${channelId}/${attachment.id}`, attachment);
    return attachment;
  }

  private dispatch(input: DispatchInput): FakeInteraction {
    const { state } = this;
    const { config, ids } = state;
    state.rememberUser(input.user);
    // Only a member can use an interaction in a server: from now on the member route knows them, with these roles.
    if (input.guildId !== undefined) state.setMember(input.guildId, input.user.id, input.memberRoles ?? []);
    const guild = input.guildId === undefined ? undefined : state.guilds.get(input.guildId);
    // Where the bot is not installed (a DM, a server without it) only a member's own install can be used.
    const installation = guild?.botInstalled === true ? 'guild' : 'user';
    if (installation === 'user' && input.kind === 'command') this.checkUserInstallable(input);
    const id = ids.next();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString('base64url');
    const attachmentSizeLimit = input.attachmentSizeLimit ?? guild?.attachmentSizeLimit ?? 10 * 1024 * 1024;
    const payload = interactionJson(
      {
        id,
        token,
        applicationId: config.applicationId,
        guildId: input.guildId,
        user: input.user,
        channel: input.channel,
        memberPermissions: input.memberPermissions,
        memberRoles: input.memberRoles,
        appPermissions: input.appPermissions,
        locale: checkedLocale(input.locale, 'interaction locale'),
        guildLocale: guild?.locale,
        installation,
        attachmentSizeLimit,
        joinedAt: guild?.joinedAt ?? new Date().toISOString(),
      },
      INTERACTION_TYPES[input.kind],
      input.data,
      input.message,
    );
    const shard = input.guildId === undefined ? 0 : shardOfGuild(input.guildId, config.shardCount);
    const dispatchedAt = config.now();
    const sessions = this.gateway.dispatch(shard, 'INTERACTION_CREATE', payload);
    const interaction = new FakeInteraction({
      id,
      token,
      applicationId: config.applicationId,
      dispatchedAt,
      channelId: input.channel.id,
      ...(input.guildId === undefined ? {} : { guildId: input.guildId }),
      user: input.user,
      commandName: input.name,
      kind: input.kind,
      ...(input.commandType === undefined ? {} : { commandType: input.commandType }),
      sourceMessageId: input.sourceMessageId,
      memberPermissions: input.memberPermissions,
      memberRoles: input.memberRoles,
      attachmentSizeLimit,
      delivered: sessions > 0,
    });
    state.interactionsById.set(id, interaction);
    state.interactionsByToken.set(token, interaction);
    return interaction;
  }

  channelMessages(channelId: string): FakeMessage[] {
    return (this.state.channelMessages.get(channelId) ?? []).map(snapshotMessage);
  }

  /** A member leaves (or is kicked from) a server: GET /guilds/{guild}/members/{user} answers Unknown Member. */
  removeMember(guildId: string, userId: string): void {
    this.state.members.get(guildId)?.delete(userId);
  }

  /** A member's roles change in a server (or a member joins with them). */
  setMemberRoles(guildId: string, user: FakeUserSpec, roles: readonly string[]): void {
    this.state.rememberUser(user);
    this.state.setMember(guildId, user.id, roles);
  }

  /** The server removes the bot: GUILD_DELETE reaches its shard, and the server's routes answer Unknown Guild. */
  removeBotFromGuild(guildId: string): void {
    this.state.departedGuilds.add(guildId);
    this.gateway.dispatch(shardOfGuild(guildId, this.state.config.shardCount), 'GUILD_DELETE', { id: guildId });
  }

  dmChannelOf(userId: string): string | undefined {
    return this.state.dmChannels.get(userId);
  }

  injectFault(fault: FaultSpec): void {
    this.faults.add(fault);
  }

  disconnectShard(shardId: number, closeCode?: number): void {
    this.gateway.disconnectShard(shardId, closeCode);
  }

  async close(): Promise<void> {
    this.changes.close('FakeDiscord closed');
    for (const interaction of this.state.interactionsById.values()) interaction.cancelWaits();
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.gateway.close();
    this.server.closeAllConnections();
    await serverClosed;
  }

  /**
   * Discord offers a command through a member's own install only when its global registration allows that
   * install and this context (0 server, 1 bot DM); a test dispatching another is a broken test.
   */
  private checkUserInstallable(input: DispatchInput): void {
    const registered = this.state.commands.findByName(input.name);
    if (registered === undefined) return;
    const context = input.guildId === undefined ? 1 : 0;
    const installs = (registered['integration_types'] as number[] | undefined) ?? [0];
    const contexts = (registered['contexts'] as number[] | null | undefined) ?? [0, 1, 2];
    if (!installs.includes(1) || !contexts.includes(context)) {
      throw new Error(`FakeDiscord: /${input.name} is not registered for user install in context ${context}; Discord would not offer it here`);
    }
  }

  private interactionChannel(spec: InteractionSpec, userId: string): ChannelState {
    const { state } = this;
    if (spec.guildId === undefined) {
      const given = spec.channelId === undefined ? undefined : state.channels.get(spec.channelId);
      if (spec.channelId !== undefined && given?.kind !== 'dm') {
        throw new Error(`FakeDiscord: ${spec.channelId} is not a DM channel; omit channelId for a DM interaction`);
      }
      return given ?? state.ensureDmChannel(userId);
    }
    const guild = state.guilds.get(spec.guildId);
    if (!guild) throw new Error(`FakeDiscord: unknown guild ${spec.guildId}; declare it in options.guilds`);
    const channelId = spec.channelId ?? guild.channelIds[0];
    const channel = channelId === undefined ? undefined : state.channels.get(channelId);
    if (channel?.kind !== 'guild-text' || channel.guildId !== guild.id) {
      throw new Error(`FakeDiscord: channel ${String(channelId)} is not a channel of guild ${guild.id}`);
    }
    return channel;
  }

  private readyData(shardId: number): Record<string, unknown> {
    return {
      v: 10,
      user: this.state.botUserJson(),
      guilds: this.guildsOfShard(shardId).map((guild) => ({ id: guild.id, unavailable: true })),
      private_channels: [],
      relationships: [],
      presences: [],
      user_settings: {},
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['us-east'],
      application: { id: this.state.config.applicationId, flags: 0 },
      auth: {},
    };
  }

  private guildsOfShard(shardId: number): GuildState[] {
    const { state } = this;
    return [...state.guilds.values()].filter((guild) => guild.botInstalled && shardOfGuild(guild.id, state.config.shardCount) === shardId);
  }

  private guildCreatesFor(shardId: number): Record<string, unknown>[] {
    const { state } = this;
    return this.guildsOfShard(shardId).map((guild) =>
        guildCreateJson(
          guild,
          guild.channelIds.map((id) => state.channels.get(id)).filter((c): c is ChannelState => c !== undefined),
        ),
      );
  }
}
