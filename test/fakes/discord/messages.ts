/** Message state: creation, edits with Discord's attachment rules, snapshots, and the JSON Discord returns. */
import { emptyMessage, FormErrors } from './errors.js';
import { isRecord } from './json.js';
import { computeMentions } from './mentions.js';
import type { ComputedMentions, FakeAttachment, FakeMessage, RecordedFile } from './types.js';

export const MessageFlag = {
  SuppressEmbeds: 1 << 2,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  IsComponentsV2: 1 << 15,
} as const;

/** Flags a bot may set when creating a message (ephemeral only through interactions). */
const CREATABLE_FLAGS =
  MessageFlag.SuppressEmbeds | MessageFlag.SuppressNotifications | MessageFlag.IsComponentsV2 | MessageFlag.Ephemeral;
/** Flags an edit may change; the others keep their value. */
const EDITABLE_FLAGS = MessageFlag.SuppressEmbeds | MessageFlag.IsComponentsV2;

export const MessageType = { Default: 0, Reply: 19, ChatInputCommand: 20, ContextMenuCommand: 23 } as const;

/** A create or edit request: the JSON body (or payload_json) and the uploaded files. */
export interface MessageWrite {
  body: Record<string, unknown>;
  files: RecordedFile[];
}

export interface MessageState {
  id: string;
  channelId: string;
  type: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  flags: number;
  attachments: FakeAttachment[];
  allowedMentions: unknown;
  mentions: ComputedMentions;
  createdAt: Date;
  editedAt: Date | null;
  at: number;
  webhookId?: string;
  interactionMetadata?: Record<string, unknown>;
  messageReference?: Record<string, unknown>;
  /** A member's message (default: the bot's). */
  authorId?: string;
}

/** Index of an upload: `files[3]` → '3'; other field names fall back to their position. */
function uploadsById(files: readonly RecordedFile[]): Map<string, RecordedFile> {
  const byId = new Map<string, RecordedFile>();
  files.forEach((file, position) => {
    const match = /^files\[(\d+)\]$/.exec(file.name);
    byId.set(match?.[1] ?? String(position), file);
  });
  return byId;
}

function attachmentMetadata(body: Record<string, unknown>): Record<string, unknown>[] | undefined {
  const list = body['attachments'];
  if (list === null) return [];
  if (!Array.isArray(list)) return undefined;
  return list.filter(isRecord);
}

/**
 * The attachments after a create or edit. In API v10 an edit's `attachments` list names everything that remains:
 * listed existing attachments stay, listed uploads (by `files[n]` index) are added, anything else goes.
 * An edit without a list keeps every existing attachment and adds the uploads; a create attaches every upload.
 */
function resolveAttachments(
  write: MessageWrite,
  existing: readonly FakeAttachment[],
  newId: () => string,
  mode: 'create' | 'edit',
): FakeAttachment[] {
  const uploads = uploadsById(write.files);
  const used = new Set<string>();
  const fromUpload = (key: string, file: RecordedFile, filename?: unknown): FakeAttachment => {
    used.add(key);
    return {
      id: newId(),
      filename: typeof filename === 'string' && filename !== '' ? filename : file.filename,
      contentType: file.contentType,
      size: file.bytes.length,
      bytes: file.bytes,
    };
  };
  const metadata = attachmentMetadata(write.body);
  const result: FakeAttachment[] = [];
  if (metadata === undefined) {
    result.push(...existing);
  } else {
    for (const entry of metadata) {
      const key = String(entry['id']);
      const kept = existing.find((attachment) => attachment.id === key);
      if (kept) result.push(kept);
      else {
        const upload = uploads.get(key);
        if (upload && !used.has(key)) result.push(fromUpload(key, upload, entry['filename']));
      }
    }
  }
  if (mode === 'create' || metadata === undefined) {
    for (const [key, upload] of uploads) if (!used.has(key)) result.push(fromUpload(key, upload));
  }
  return result;
}

function hasVisibleContent(state: Pick<MessageState, 'content' | 'embeds' | 'attachments' | 'components'>): boolean {
  return state.content !== '' || state.embeds.length > 0 || state.attachments.length > 0 || state.components.length > 0;
}

function arrayOrEmpty(value: unknown): unknown[] {
  return Array.isArray(value) ? structuredClone(value) : [];
}

export interface CreateContext {
  id: string;
  channelId: string;
  type: number;
  at: number;
  createdAt: Date;
  newAttachmentId: () => string;
  /** Whether EPHEMERAL may be set (interaction responses and follow-ups). */
  allowEphemeral: boolean;
  /** A deferred response: empty and "thinking" until the first edit. */
  loading?: boolean;
  webhookId?: string;
  interactionMetadata?: Record<string, unknown>;
  messageReference?: Record<string, unknown>;
  authorId?: string;
}

/**
 * The text Discord reads mentions from: the content, or for a Components V2 message the text displays
 * (wherever they are nested).
 */
function mentionableText(content: string, components: readonly unknown[], flags: number): string {
  if ((flags & MessageFlag.IsComponentsV2) === 0) return content;
  const texts: string[] = [];
  const visit = (component: unknown): void => {
    if (!isRecord(component)) return;
    if (component['type'] === TEXT_DISPLAY && typeof component['content'] === 'string') texts.push(component['content']);
    for (const key of ['components', 'accessory'] as const) {
      const inner = component[key];
      if (Array.isArray(inner)) inner.forEach(visit);
      else visit(inner);
    }
  };
  components.forEach(visit);
  return texts.join('\n');
}

const TEXT_DISPLAY = 10;

export function createMessage(write: MessageWrite, ctx: CreateContext): MessageState {
  const { body } = write;
  const content = typeof body['content'] === 'string' ? body['content'] : '';
  const allowedFlags = ctx.allowEphemeral ? CREATABLE_FLAGS : CREATABLE_FLAGS & ~MessageFlag.Ephemeral;
  const requestedFlags = typeof body['flags'] === 'number' ? body['flags'] : 0;
  const components = arrayOrEmpty(body['components']);
  const state: MessageState = {
    id: ctx.id,
    channelId: ctx.channelId,
    type: ctx.type,
    content,
    embeds: arrayOrEmpty(body['embeds']),
    components,
    flags: (requestedFlags & allowedFlags) | (ctx.loading ? MessageFlag.Loading : 0),
    attachments: resolveAttachments(write, [], ctx.newAttachmentId, 'create'),
    allowedMentions: structuredClone(body['allowed_mentions']),
    mentions: computeMentions(mentionableText(content, components, requestedFlags), body['allowed_mentions']),
    createdAt: ctx.createdAt,
    editedAt: null,
    at: ctx.at,
    ...(ctx.webhookId === undefined ? {} : { webhookId: ctx.webhookId }),
    ...(ctx.interactionMetadata === undefined ? {} : { interactionMetadata: ctx.interactionMetadata }),
    ...(ctx.messageReference === undefined ? {} : { messageReference: ctx.messageReference }),
    ...(ctx.authorId === undefined ? {} : { authorId: ctx.authorId }),
  };
  if (!ctx.loading && !hasVisibleContent(state)) throw emptyMessage();
  return state;
}

export interface EditContext {
  at: number;
  editedAt: Date;
  newAttachmentId: () => string;
}

/**
 * Applies a PATCH: absent fields are kept; a deferred ("loading") message becomes a normal one. IS_COMPONENTS_V2
 * can be set by an edit but never removed, and a message that has it keeps no content or embeds: an edit that
 * sets it must reset the old ones (content to null, embeds to []), as Discord requires.
 */
export function editMessage(existing: MessageState, write: MessageWrite, ctx: EditContext): MessageState {
  const { body } = write;
  const wasLoading = (existing.flags & MessageFlag.Loading) !== 0;
  const contentGiven = 'content' in body;
  const content = contentGiven ? (typeof body['content'] === 'string' ? body['content'] : '') : existing.content;
  const flags =
    typeof body['flags'] === 'number'
      ? (existing.flags & ~EDITABLE_FLAGS) | (body['flags'] & EDITABLE_FLAGS)
      : existing.flags;
  const embeds = 'embeds' in body ? arrayOrEmpty(body['embeds']) : existing.embeds;
  const components = 'components' in body ? arrayOrEmpty(body['components']) : existing.components;
  checkComponentsV2Edit(existing.flags, flags, content, embeds);
  // Mentions are recomputed when the text changes, under this request's allowed_mentions (absent → all).
  // They describe what the message mentions; Discord may not notify for mentions that arrive through an edit.
  const recompute = contentGiven || 'components' in body || 'allowed_mentions' in body;
  const next: MessageState = {
    ...existing,
    content,
    embeds,
    components,
    flags: flags & ~MessageFlag.Loading,
    attachments: resolveAttachments(write, existing.attachments, ctx.newAttachmentId, 'edit'),
    allowedMentions: recompute ? structuredClone(body['allowed_mentions']) : existing.allowedMentions,
    mentions: recompute ? computeMentions(mentionableText(content, components, flags), body['allowed_mentions']) : existing.mentions,
    editedAt: wasLoading ? null : ctx.editedAt,
    at: ctx.at,
  };
  if (!hasVisibleContent(next)) throw emptyMessage();
  return next;
}

function checkComponentsV2Edit(before: number, after: number, content: string, embeds: readonly unknown[]): void {
  const errors = new FormErrors();
  if ((before & MessageFlag.IsComponentsV2) !== 0 && (after & MessageFlag.IsComponentsV2) === 0) {
    errors.add(['flags'], 'MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG', 'The IS_COMPONENTS_V2 flag cannot be removed from a message');
  }
  if ((after & MessageFlag.IsComponentsV2) !== 0) {
    if (content !== '') errors.add(['content'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2");
    if (embeds.length > 0) errors.add(['embeds'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2");
  }
  errors.throwIfAny();
}

export function snapshotMessage(state: MessageState): FakeMessage {
  return {
    id: state.id,
    channelId: state.channelId,
    content: state.content,
    embeds: structuredClone(state.embeds),
    flags: state.flags,
    attachments: state.attachments.map((attachment) => ({ ...attachment })),
    allowedMentions: structuredClone(state.allowedMentions),
    components: structuredClone(state.components),
    mentions: {
      everyone: state.mentions.everyone,
      users: [...state.mentions.users],
      roles: [...state.mentions.roles],
    },
    at: state.at,
  };
}

export interface MessageJsonContext {
  author: Record<string, unknown>;
  applicationId: string;
  attachmentUrl: (channelId: string, attachment: FakeAttachment) => string;
  userJson: (id: string) => Record<string, unknown>;
  guildId?: string;
}

/** An attachment as Discord describes it, served at `url`. */
export function attachmentJson(attachment: FakeAttachment, url: string): Record<string, unknown> {
  return {
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url,
    proxy_url: url,
    ...(attachment.contentType === undefined ? {} : { content_type: attachment.contentType }),
  };
}

export function messageJson(state: MessageState, ctx: MessageJsonContext): Record<string, unknown> {
  return {
    id: state.id,
    type: state.type,
    channel_id: state.channelId,
    ...(ctx.guildId === undefined ? {} : { guild_id: ctx.guildId }),
    author: ctx.author,
    content: state.content,
    timestamp: state.createdAt.toISOString(),
    edited_timestamp: state.editedAt ? state.editedAt.toISOString() : null,
    tts: false,
    mention_everyone: state.mentions.everyone,
    mentions: state.mentions.users.map((id) => ctx.userJson(id)),
    mention_roles: [...state.mentions.roles],
    mention_channels: [],
    attachments: state.attachments.map((attachment) => ({ ...attachmentJson(attachment, ctx.attachmentUrl(state.channelId, attachment)), content_scan_version: 0 })),
    embeds: state.embeds.map((embed) => (isRecord(embed) ? { type: 'rich', ...embed } : embed)),
    reactions: [],
    pinned: false,
    flags: state.flags,
    components: state.components,
    ...(state.webhookId === undefined ? {} : { webhook_id: state.webhookId, application_id: ctx.applicationId }),
    ...(state.interactionMetadata === undefined ? {} : { interaction_metadata: state.interactionMetadata }),
    ...(state.messageReference === undefined ? {} : { message_reference: state.messageReference }),
  };
}
