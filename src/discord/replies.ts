import {
  DiscordAPIError,
  REST,
  Routes,
  type MessageFlags,
  type APIAllowedMentions,
  type APIChannel,
  type APIEmbed,
  type APIMessage,
  type APIMessageTopLevelComponent,
  type RequestData,
} from 'discord.js';
import type { Dispatcher } from 'undici';
import { encodeMultipart } from './multipart.js';

export interface OutgoingFile {
  name: string;
  data: Buffer;
  contentType: string;
}

export interface OutgoingMessage {
  content?: string;
  embeds?: APIEmbed[];
  files?: OutgoingFile[];
  /** Action rows under the message, or a Components V2 layout; absent leaves an edited message's components as they are. */
  components?: APIMessageTopLevelComponent[];
  /**
   * MessageFlags.IsComponentsV2: the message is its components alone. Such a message never carries content
   * or embeds (an edit that turns a status into one clears them), and keeps the flag for good.
   */
  flags?: MessageFlags.IsComponentsV2;
  allowedMentions: APIAllowedMentions;
}

/** The message as Discord stored it. */
export interface SentMessage {
  id: string;
  channelId: string;
  /** The URL of its first attachment, when it has one. */
  attachmentUrl?: string;
  /** Every attachment's URL by file name (a set's images). */
  attachmentUrls?: Record<string, string>;
}

/** The three ways the bot can put a job's outcome in front of a member, behind one port for tests. */
export interface DiscordReplies {
  editOriginal(applicationId: string, interactionToken: string, message: OutgoingMessage): Promise<SentMessage>;
  sendToChannel(channelId: string, message: OutgoingMessage): Promise<SentMessage>;
  sendDirect(userId: string, message: OutgoingMessage): Promise<SentMessage>;
}

/**
 * Discord's global limit (50 requests/s) binds requests made with the bot token, not interaction webhooks.
 * @discordjs/rest counts every request against it, so 200 jobs' progress edits would hold back the bot's
 * own image uploads for whole seconds; edits of interaction replies therefore go through a REST client of
 * their own, without that client-side limit. Route limits and 429s from Discord are still honoured.
 */
export function interactionWebhookRest(apiUrl: string, http: Dispatcher): REST {
  return new REST({ api: apiUrl, globalRequestsPerSecond: Number.MAX_SAFE_INTEGER, agent: http });
}

export class RestReplies implements DiscordReplies {
  /**
   * @param rest the bot's authenticated client (channel messages, DMs)
   * @param webhooks the client for interaction webhook edits (see interactionWebhookRest)
   */
  constructor(
    private readonly rest: REST,
    private readonly webhooks: REST = rest,
  ) {}

  async editOriginal(applicationId: string, interactionToken: string, message: OutgoingMessage): Promise<SentMessage> {
    const sent = await this.webhooks.patch(Routes.webhookMessage(applicationId, interactionToken, '@original'), {
      ...toRequest(message, 'edit'),
      auth: false,
    });
    return sentMessage(sent as APIMessage);
  }

  async sendToChannel(channelId: string, message: OutgoingMessage): Promise<SentMessage> {
    return sentMessage((await this.rest.post(Routes.channelMessages(channelId), toRequest(message, 'create'))) as APIMessage);
  }

  async sendDirect(userId: string, message: OutgoingMessage): Promise<SentMessage> {
    const channel = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as APIChannel;
    return this.sendToChannel(channel.id, message);
  }
}

function sentMessage(message: APIMessage): SentMessage {
  const url = message.attachments[0]?.url;
  const urls = Object.fromEntries(message.attachments.map((attachment) => [attachment.filename, attachment.url]));
  return { id: message.id, channelId: message.channel_id, ...(url === undefined ? {} : { attachmentUrl: url, attachmentUrls: urls }) };
}

function toRequest(message: OutgoingMessage, kind: 'create' | 'edit'): Pick<RequestData, 'body' | 'passThroughBody' | 'headers'> {
  const files = message.files ?? [];
  const body: Record<string, unknown> = { allowed_mentions: message.allowedMentions, ...legacyFields(message, kind) };
  if (message.components !== undefined) body.components = message.components;
  if (files.length === 0) return { body };
  // Listing the new files as the message's attachments replaces whatever the message had before.
  body.attachments = files.map((file, index) => ({ id: String(index), filename: file.name }));
  const form = encodeMultipart(
    JSON.stringify(body),
    files.map((file, index) => ({ field: `files[${index}]`, filename: file.name, contentType: file.contentType, data: file.data })),
  );
  return { body: form.body, passThroughBody: true, headers: { 'Content-Type': form.contentType } };
}

/**
 * Content and embeds: given (empty unless set) on a classic message, so an edit replaces the old ones. A
 * Components V2 message may not have them: a create leaves them out, and an edit that turns a message (the
 * status) into one resets them as Discord asks, content to null and embeds to [].
 */
function legacyFields(message: OutgoingMessage, kind: 'create' | 'edit'): Record<string, unknown> {
  if (message.flags === undefined) return { content: message.content ?? '', embeds: message.embeds ?? [] };
  if (message.content !== undefined || message.embeds !== undefined) throw new Error('a Components V2 message has no content or embeds');
  return kind === 'edit' ? { flags: message.flags, content: null, embeds: [] } : { flags: message.flags };
}

/** Discord error codes that mean "this way of reaching the member is gone"; try the next one. */
const UNREACHABLE_CODES = new Set([
  10003, // Unknown Channel
  10008, // Unknown Message (the reply was deleted)
  10015, // Unknown Webhook
  10062, // Unknown Interaction
  50001, // Missing Access
  50007, // Cannot send messages to this user
  50013, // Missing Permissions
  50027, // Invalid Webhook Token (expired)
]);

export type ReplyFailure = 'unreachable' | 'too_large' | 'rejected' | 'transient';

export function classifyReplyError(error: unknown): ReplyFailure {
  if (error instanceof DiscordAPIError) {
    if (error.status === 413 || error.code === 40005) return 'too_large';
    if (typeof error.code === 'number' && UNREACHABLE_CODES.has(error.code)) return 'unreachable';
    if (error.status === 401 || error.status === 403 || error.status === 404) return 'unreachable';
    if (error.status === 429 || error.status >= 500) return 'transient';
    return 'rejected';
  }
  // Network errors, timeouts and HTTP errors without a Discord body: worth another try later.
  return 'transient';
}

export function describeReplyError(error: unknown): { status?: number; code?: number | string; message: string } {
  if (error instanceof DiscordAPIError) return { status: error.status, code: error.code, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}
