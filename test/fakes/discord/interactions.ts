/** INTERACTION_CREATE payloads, and the state of each dispatched interaction as tests observe it. */
import { MessageFlag, snapshotMessage, type MessageState } from './messages.js';
import { channelJson, guildMemberJson, userJson, type ChannelState } from './payloads.js';
import type { FakeUserSpec, FakeMessage, InteractionCallback, InteractionSpec } from './types.js';
import { ChangeNotifier } from './waiting.js';

/** ViewChannel, SendMessages, EmbedLinks, AttachFiles, ReadMessageHistory, MentionEveryone, UseExternalEmojis, AddReactions, UseApplicationCommands, threads. */
export const DEFAULT_APP_PERMISSIONS = String(
  (1n << 6n) | (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 17n) | (1n << 18n) |
    (1n << 31n) | (1n << 35n) | (1n << 36n) | (1n << 38n),
);

export const DEFAULT_USER: FakeUserSpec = { id: '100000000000000001', username: 'tester', globalName: 'Tester' };

function memberJson(joinedAt: string, permissions: string, user?: FakeUserSpec, roles: readonly string[] = []): Record<string, unknown> {
  return { ...guildMemberJson(joinedAt, roles, user ? userJson(user) : undefined), permissions };
}

/** Where an interaction happens and who sends it: the part every interaction type shares. */
export interface InteractionEnvelopeInput {
  id: string;
  token: string;
  applicationId: string;
  guildId?: string | undefined;
  user: FakeUserSpec;
  channel: ChannelState;
  /** Bitfield string for member.permissions (default '0'). */
  memberPermissions?: string | undefined;
  /** The member's role ids (default none). */
  memberRoles?: readonly string[] | undefined;
  appPermissions?: string | undefined;
  locale?: string | undefined;
  /** The server's locale (guild_locale), for an interaction in a server. */
  guildLocale?: string | undefined;
  /** Whose install the command came through: the server's (default in a server), or the member's own. */
  installation?: 'guild' | 'user' | undefined;
  attachmentSizeLimit: number;
  joinedAt: string;
}

/** An INTERACTION_CREATE payload of any type: the envelope, the type and its data (and the message, for components). */
export function interactionJson(
  input: InteractionEnvelopeInput,
  type: number,
  data: Record<string, unknown>,
  message?: Record<string, unknown>,
): Record<string, unknown> {
  const { guildId, user, channel } = input;
  const appPermissions = input.appPermissions ?? DEFAULT_APP_PERMISSIONS;
  return {
    id: input.id,
    application_id: input.applicationId,
    type,
    token: input.token,
    version: 1,
    data,
    ...(guildId === undefined
      ? { user: userJson(user), context: 1, authorizing_integration_owners: { '1': user.id } }
      : {
          guild_id: guildId,
          guild: { id: guildId, locale: input.guildLocale ?? 'en-US', features: [] },
          guild_locale: input.guildLocale ?? 'en-US',
          member: memberJson(input.joinedAt, input.memberPermissions ?? '0', user, input.memberRoles),
          context: 0,
          authorizing_integration_owners: input.installation === 'user' ? { '1': user.id } : { '0': guildId },
        }),
    channel_id: channel.id,
    channel: { ...channelJson(channel, user), permissions: appPermissions },
    app_permissions: appPermissions,
    locale: input.locale ?? 'en-US',
    entitlements: [],
    entitlement_sku_ids: [],
    attachment_size_limit: input.attachmentSizeLimit,
    ...(message === undefined ? {} : { message }),
  };
}

export interface CommandDataInput {
  commandId: string;
  commandGuildId?: string | undefined;
  spec: InteractionSpec;
  joinedAt: string;
  /** Attachment options' files, by attachment id, as Discord resolves them. */
  attachments: Record<string, Record<string, unknown>>;
  /** The message a message command was used on. */
  targetMessage?: Record<string, unknown> | undefined;
  /** Role and channel options' values, as Discord resolves them. */
  roles: Record<string, Record<string, unknown>>;
  channels: Record<string, Record<string, unknown>>;
}

/** `data` of an application command interaction: a slash command's options or a message command's target. */
export function commandDataJson(input: CommandDataInput): Record<string, unknown> {
  const { spec } = input;
  const resolvedUsers = spec.resolvedUsers ?? [];
  const resolved: Record<string, unknown> = {};
  if (resolvedUsers.length > 0) {
    resolved['users'] = Object.fromEntries(resolvedUsers.map((u) => [u.id, userJson(u)]));
    if (spec.guildId !== undefined) resolved['members'] = Object.fromEntries(resolvedUsers.map((u) => [u.id, memberJson(input.joinedAt, '0')]));
  }
  if (Object.keys(input.attachments).length > 0) resolved['attachments'] = input.attachments;
  if (Object.keys(input.roles).length > 0) resolved['roles'] = input.roles;
  if (Object.keys(input.channels).length > 0) resolved['channels'] = input.channels;
  const target = input.targetMessage;
  if (target !== undefined) resolved['messages'] = { [String(target['id'])]: target };
  return {
    id: input.commandId,
    name: spec.commandName,
    type: target === undefined ? 1 : 3,
    ...(spec.options === undefined ? {} : { options: structuredClone(spec.options) }),
    ...(target === undefined ? {} : { target_id: target['id'] }),
    ...(input.commandGuildId === undefined ? {} : { guild_id: input.commandGuildId }),
    ...(Object.keys(resolved).length === 0 ? {} : { resolved }),
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
  /** The command's name, or the custom_id of a component or modal. */
  commandName: string;
  kind: InteractionKind;
  /** Application command type (1 slash, 3 message) for commands. */
  commandType?: number;
  /** The message a component was on (or the component that opened a modal was on). */
  sourceMessageId?: string | undefined;
  /** The member's permissions and roles the interaction carried (a modal submission carries its opener's). */
  memberPermissions?: string | undefined;
  memberRoles?: readonly string[] | undefined;
  attachmentSizeLimit: number;
  delivered: boolean;
}

/** Discord's interaction types 2 (application command), 3 (message component), 4 (autocomplete) and 5 (modal submit). */
export type InteractionKind = 'command' | 'component' | 'autocomplete' | 'modal';

export const INTERACTION_TYPES: Record<InteractionKind, number> = { command: 2, component: 3, autocomplete: 4, modal: 5 };

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
  readonly kind: InteractionKind;
  readonly commandType: number | undefined;
  readonly sourceMessageId: string | undefined;
  readonly memberPermissions: string | undefined;
  readonly memberRoles: readonly string[] | undefined;
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
    this.kind = init.kind;
    this.commandType = init.commandType;
    this.sourceMessageId = init.sourceMessageId;
    this.memberPermissions = init.memberPermissions;
    this.memberRoles = init.memberRoles;
    this.attachmentSizeLimit = init.attachmentSizeLimit;
    this.delivered = init.delivered;
  }

  /** Resolves with the first callback attempt (accepted or not: see its `status`). */
  waitForResponse(timeoutMs = 5000): Promise<InteractionCallback> {
    return this.changes.waitFor(() => this.responses[0], timeoutMs, `a callback to interaction ${this.commandName}`);
  }

  /** The suggestions the bot answered an autocomplete with: its accepted callback 8. */
  async waitForChoices(timeoutMs = 5000): Promise<Array<{ name: string; value: string | number }>> {
    const accepted = await this.changes.waitFor(() => this.responses.find((response) => response.status < 300), timeoutMs, `an accepted callback to interaction ${this.commandName}`);
    if (accepted.type !== 8) throw new Error(`interaction ${this.commandName} was answered with callback ${accepted.type}, not autocomplete choices`);
    return (accepted.data as { choices?: Array<{ name: string; value: string | number }> } | undefined)?.choices ?? [];
  }

  /** The modal the bot opened in answer (callback type 9), if it did. */
  modal(): Record<string, unknown> | undefined {
    const opened = this.responses.find((response) => response.type === 9 && response.status < 300);
    return opened && typeof opened.data === 'object' && opened.data !== null ? (opened.data as Record<string, unknown>) : undefined;
  }

  /** Whether the bot acknowledged a component by updating its message (callback 6 or 7) rather than answering anew. */
  updatesSourceMessage(): boolean {
    return this.sourceMessageId !== undefined && (this.acknowledgedWith === 6 || this.acknowledgedWith === 7);
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

  removeFollowup(id: string): void {
    const index = this.followupStates.findIndex((m) => m.id === id);
    if (index < 0) return;
    this.followupStates.splice(index, 1);
    this.followups.splice(index, 1);
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
