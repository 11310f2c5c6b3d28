/** FakeDiscord: REST API v10 + gateway on one 127.0.0.1 port, for driving an unmodified discord.js Client. */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import { FakeGateway } from './gateway.js';
import { chatInputInteractionJson, DEFAULT_USER, FakeInteraction } from './interactions.js';
import { snapshotMessage } from './messages.js';
import { guildCreateJson, type ChannelState, type GuildState } from './payloads.js';
import { coreRoutes } from './routes-core.js';
import { commandRoutes } from './routes-commands.js';
import { interactionRoutes } from './routes-interactions.js';
import { createRestHandler } from './server.js';
import { formatSpecViolations, sharedSpecConformance, type SpecViolation } from './spec-conformance.js';
import { shardOfGuild, SnowflakeGenerator } from './snowflake.js';
import { DiscordState, resolveConfig } from './state.js';
import type {
  FakeDiscordOptions,
  FakeMessage,
  FaultSpec,
  InteractionSpec,
  RecordedRequest,
  RegisteredCommand,
} from './types.js';
import { ChangeNotifier } from './waiting.js';

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

  /** Sends INTERACTION_CREATE for a chat-input command on the shard that owns the guild (shard 0 for DMs). */
  dispatchInteraction(spec: InteractionSpec): FakeInteraction {
    const { state } = this;
    const { config, ids } = state;
    const user = spec.user ?? DEFAULT_USER;
    state.rememberUser(user);
    for (const resolved of spec.resolvedUsers ?? []) state.rememberUser(resolved);
    const channel = this.interactionChannel(spec, user.id);
    const guild = spec.guildId === undefined ? undefined : state.guilds.get(spec.guildId);
    const registered = state.commands.findByName(spec.commandName, spec.guildId);
    const id = ids.next();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString('base64url');
    const attachmentSizeLimit = spec.attachmentSizeLimit ?? guild?.attachmentSizeLimit ?? 10 * 1024 * 1024;
    const payload = chatInputInteractionJson({
      id,
      token,
      applicationId: config.applicationId,
      commandId: spec.commandId ?? registered?.id ?? ids.next(),
      ...(registered?.guild_id === undefined ? {} : { commandGuildId: registered.guild_id }),
      spec,
      user,
      channel,
      attachmentSizeLimit,
      joinedAt: guild?.joinedAt ?? new Date().toISOString(),
    });
    const shard = spec.guildId === undefined ? 0 : shardOfGuild(spec.guildId, config.shardCount);
    const dispatchedAt = config.now();
    const sessions = this.gateway.dispatch(shard, 'INTERACTION_CREATE', payload);
    const interaction = new FakeInteraction({
      id,
      token,
      applicationId: config.applicationId,
      dispatchedAt,
      channelId: channel.id,
      ...(spec.guildId === undefined ? {} : { guildId: spec.guildId }),
      user,
      commandName: spec.commandName,
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
    return [...state.guilds.values()].filter((guild) => shardOfGuild(guild.id, state.config.shardCount) === shardId);
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
