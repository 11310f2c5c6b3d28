/** INTERACTION_CREATE payloads, and the state of each dispatched interaction as tests observe it. */
import { MessageFlag, snapshotMessage, type MessageState } from './messages.js';
import { channelJson, userJson, type ChannelState } from './payloads.js';
import type { FakeUserSpec, FakeMessage, InteractionCallback, InteractionSpec } from './types.js';
import { ChangeNotifier } from './waiting.js';

/** ViewChannel, SendMessages, EmbedLinks, AttachFiles, ReadMessageHistory, MentionEveryone, UseExternalEmojis, AddReactions, UseApplicationCommands, threads. */
export const DEFAULT_APP_PERMISSIONS = String(
  (1n << 6n) | (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 17n) | (1n << 18n) |
    (1n << 31n) | (1n << 35n) | (1n << 36n) | (1n << 38n),
);

export const DEFAULT_USER: FakeUserSpec = { id: '100000000000000001', username: 'tester', globalName: 'Tester' };

function memberJson(joinedAt: string, permissions: string, user?: FakeUserSpec): Record<string, unknown> {
  return {
    ...(user ? { user: userJson(user) } : {}),
    roles: [],
    permissions,
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

export interface InteractionPayloadInput {
  id: string;
  token: string;
  applicationId: string;
  commandId: string;
  commandGuildId?: string;
  spec: InteractionSpec;
  user: FakeUserSpec;
  channel: ChannelState;
  attachmentSizeLimit: number;
  joinedAt: string;
}

export function chatInputInteractionJson(input: InteractionPayloadInput): Record<string, unknown> {
  const { spec, user, channel } = input;
  const guildId = spec.guildId;
  const appPermissions = spec.appPermissions ?? DEFAULT_APP_PERMISSIONS;
  const resolvedUsers = spec.resolvedUsers ?? [];
  const resolved =
    resolvedUsers.length === 0
      ? undefined
      : {
          users: Object.fromEntries(resolvedUsers.map((u) => [u.id, userJson(u)])),
          ...(guildId === undefined
            ? {}
            : { members: Object.fromEntries(resolvedUsers.map((u) => [u.id, memberJson(input.joinedAt, '0')])) }),
        };
  const locale = spec.locale ?? 'en-US';
  return {
    id: input.id,
    application_id: input.applicationId,
    type: 2,
    token: input.token,
    version: 1,
    data: {
      id: input.commandId,
      name: spec.commandName,
      type: 1,
      ...(spec.options === undefined ? {} : { options: structuredClone(spec.options) }),
      ...(input.commandGuildId === undefined ? {} : { guild_id: input.commandGuildId }),
      ...(resolved === undefined ? {} : { resolved }),
    },
    ...(guildId === undefined
      ? { user: userJson(user), context: 1, authorizing_integration_owners: { '1': user.id } }
      : {
          guild_id: guildId,
          guild: { id: guildId, locale: 'en-US', features: [] },
          guild_locale: 'en-US',
          member: memberJson(input.joinedAt, spec.memberPermissions ?? '0', user),
          context: 0,
          authorizing_integration_owners: { '0': guildId },
        }),
    channel_id: channel.id,
    channel: { ...channelJson(channel, user), permissions: appPermissions },
    app_permissions: appPermissions,
    locale,
    entitlements: [],
    entitlement_sku_ids: [],
    attachment_size_limit: input.attachmentSizeLimit,
  };
}

export interface InteractionInit {
  id: string;
  token: string;
  applicationId: string;
  dispatchedAt: number;
  channelId: string;
  guildId?: string;
  user: FakeUserSpec;
  commandName: string;
  attachmentSizeLimit: number;
  delivered: boolean;
}

/** One dispatched interaction: its callbacks, @original message, edits and follow-ups. */
export class FakeInteraction {
  readonly id: string;
  readonly token: string;
  readonly dispatchedAt: number;
  readonly applicationId: string;
  readonly channelId: string;
  readonly guildId: string | undefined;
  readonly user: FakeUserSpec;
  readonly commandName: string;
  readonly attachmentSizeLimit: number;
  /** False when no gateway session of the owning shard existed, so no client could see it. */
  readonly delivered: boolean;
  readonly responses: InteractionCallback[] = [];
  readonly edits: FakeMessage[] = [];
  readonly followups: FakeMessage[] = [];

  // Internal state below is written by the REST routes; tests read the snapshots above.
  /** Callback type that acknowledged it, once acknowledged. */
  acknowledgedWith: number | undefined;
  originalState: MessageState | undefined;
  readonly followupStates: MessageState[] = [];
  private readonly changes = new ChangeNotifier();

  constructor(init: InteractionInit) {
    this.id = init.id;
    this.token = init.token;
    this.dispatchedAt = init.dispatchedAt;
    this.applicationId = init.applicationId;
    this.channelId = init.channelId;
    this.guildId = init.guildId;
    this.user = init.user;
    this.commandName = init.commandName;
    this.attachmentSizeLimit = init.attachmentSizeLimit;
    this.delivered = init.delivered;
  }

  /** Resolves with the first callback attempt (accepted or not: see its `status`). */
  waitForResponse(timeoutMs = 5000): Promise<InteractionCallback> {
    return this.changes.waitFor(() => this.responses[0], timeoutMs, `a callback to interaction ${this.commandName}`);
  }

  original(): FakeMessage | undefined {
    return this.originalState ? snapshotMessage(this.originalState) : undefined;
  }

  waitForOriginal(predicate: (message: FakeMessage) => boolean, timeoutMs = 5000): Promise<FakeMessage> {
    return this.changes.waitFor(
      () => {
        const current = this.original();
        return current && predicate(current) ? current : undefined;
      },
      timeoutMs,
      `the @original message of ${this.commandName} to match`,
    );
  }

  isEphemeral(): boolean {
    return this.originalState !== undefined && (this.originalState.flags & MessageFlag.Ephemeral) !== 0;
  }

  /** Rejects pending waits (the fake is closing). */
  cancelWaits(): void {
    this.changes.close('FakeDiscord closed');
  }

  recordCallback(callback: InteractionCallback): void {
    this.responses.push(callback);
    this.changes.notify();
  }

  setOriginal(state: MessageState | undefined, isEdit: boolean): void {
    this.originalState = state;
    if (state && isEdit) this.edits.push(snapshotMessage(state));
    this.changes.notify();
  }

  addFollowup(state: MessageState): void {
    this.followupStates.push(state);
    this.followups.push(snapshotMessage(state));
    this.changes.notify();
  }

  replaceFollowup(state: MessageState): void {
    const index = this.followupStates.findIndex((m) => m.id === state.id);
    if (index < 0) return;
    this.followupStates[index] = state;
    this.followups[index] = snapshotMessage(state);
    this.changes.notify();
  }
}
