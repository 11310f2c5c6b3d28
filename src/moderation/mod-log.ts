import type { APIEmbed } from 'discord.js';
import { classifyReplyError, describeReplyError, type OutgoingMessage } from '../discord/replies.js';
import type { HistoryEntry } from '../history/history.js';
import { jumpLink } from '../history/history.js';
import { promptForEmbed } from '../jobs/result-message.js';
import { QUALITY_LABELS } from '../kie/index.js';
import type { Logger } from '../log.js';
import { messages } from '../messages.js';
import type { GuildSettingsStore } from '../policy/settings-store.js';

const COLORS = { generation: 0x57f287, refusal: 0xed4245, admin: 0x5865f2, warning: 0xfee75c } as const;

export type LoggedRefusal = { code: 'banned_word'; word: string } | { code: 'blocked' };

/** What the moderation log channel of a server is told; every post is fire-and-forget for its caller. */
export interface ModerationLog {
  generation(entry: HistoryEntry): Promise<void>;
  refusal(guildId: string, userId: string, prompt: string, reason: LoggedRefusal): Promise<void>;
  adminAction(guildId: string, adminId: string, action: string, outcome: string): Promise<void>;
  /** An image's Delete button was used (by its member or a moderator). */
  imageDeleted(entry: HistoryEntry, byUserId: string): Promise<void>;
  /** A warning for the server's admins (e.g. KIE credits running low); whether it was posted. */
  warning(guildId: string, text: string): Promise<boolean>;
  /** Why the last post to the server's log channel failed, once: the next admin command shows it. */
  takeProblem(guildId: string): string | undefined;
}

export interface ModerationLogDeps {
  settings: Pick<GuildSettingsStore, 'logChannel'>;
  send: (channelId: string, message: OutgoingMessage) => Promise<unknown>;
  logger: Logger;
}

/**
 * Posts to each server's log channel, never pinging anyone (allowed_mentions empty). A failed post is
 * logged and, when the bot lacks access to the channel, remembered for the next admin command; the
 * generation or command that caused it goes on regardless.
 */
export function createModerationLog({ settings, send, logger }: ModerationLogDeps): ModerationLog {
  const problems = new Map<string, string>();
  /** Whether the embed reached the log channel (false without one). */
  const post = async (guildId: string, embed: APIEmbed): Promise<boolean> => {
    let channelId: string | undefined;
    try {
      channelId = await settings.logChannel(guildId);
      if (channelId === undefined) return false;
      await send(channelId, { content: '', embeds: [embed], allowedMentions: { parse: [] } });
      problems.delete(guildId);
      return true;
    } catch (error) {
      logger.warn({ err: error, guildId, channelId, discord: describeReplyError(error) }, 'could not post to the moderation log channel');
      if (channelId !== undefined && classifyReplyError(error) !== 'transient') problems.set(guildId, messages.logChannelUnreachable(channelId));
      return false;
    }
  };
  const logged = (posting: Promise<boolean>): Promise<void> => posting.then(() => undefined);
  return {
    generation(entry) {
      const link = jumpLink(entry);
      const fields: NonNullable<APIEmbed['fields']> = [
        { name: 'Member', value: `<@${entry.userId}>`, inline: true },
        { name: 'Settings', value: `${entry.aspect} · ${QUALITY_LABELS[entry.quality]}${entry.inputImageUrls.length > 0 ? ' · edit of a picture' : ''}`, inline: true },
      ];
      if (link !== undefined) fields.push({ name: 'Image', value: `[Jump to the message](${link})`, inline: true });
      if (entry.inputImageUrls.length > 0) fields.push({ name: 'Picture from', value: pictureOwner(entry), inline: true });
      return logged(post(entry.guildId, {
        title: messages.logGenerationTitle,
        description: promptForEmbed(entry.prompt),
        color: COLORS.generation,
        fields,
        ...(entry.imageUrl === undefined ? {} : { thumbnail: { url: entry.imageUrl } }),
        timestamp: new Date(entry.createdAt).toISOString(),
      }));
    },
    refusal(guildId, userId, prompt, reason) {
      return logged(post(guildId, {
        title: reason.code === 'banned_word' ? messages.logBannedWordTitle(reason.word) : messages.logBlockedTitle,
        description: promptForEmbed(prompt),
        color: COLORS.refusal,
        fields: [{ name: 'Member', value: `<@${userId}>`, inline: true }],
      }));
    },
    adminAction(guildId, adminId, action, outcome) {
      return logged(post(guildId, {
        title: messages.logAdminTitle(action),
        description: outcome,
        color: COLORS.admin,
        fields: [{ name: 'Admin', value: `<@${adminId}>`, inline: true }],
      }));
    },
    imageDeleted(entry, byUserId) {
      return logged(post(entry.guildId, {
        title: messages.logDeletedTitle,
        description: promptForEmbed(entry.prompt),
        color: COLORS.refusal,
        fields: [
          { name: 'Member', value: `<@${entry.userId}>`, inline: true },
          { name: 'Deleted by', value: `<@${byUserId}>`, inline: true },
        ],
      }));
    },
    warning(guildId, text) {
      return post(guildId, { title: messages.logWarningTitle, description: text, color: COLORS.warning });
    },
    takeProblem(guildId) {
      const problem = problems.get(guildId);
      problems.delete(guildId);
      return problem;
    },
  };
}

/**
 * Whose picture an edit started from: the owner recorded with the picture's message (its author, or the
 * member who made an image the bot delivered), or the member's own upload when it came as /imagine's attachment.
 */
function pictureOwner(entry: HistoryEntry): string {
  const source = entry.inputSource;
  if (source === undefined) return `<@${entry.userId}> (their own upload)`;
  const owner = source.ownerId === undefined ? 'unknown member' : `<@${source.ownerId}>`;
  return `${owner} · [source message](https://discord.com/channels/${entry.guildId}/${source.channelId}/${source.messageId})`;
}
