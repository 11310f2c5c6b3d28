import type { APIEmbed } from 'discord.js';
import type { RefusalReason } from '../errors.js';
import { classifyReplyError, describeReplyError, type OutgoingMessage } from '../discord/replies.js';
import type { HistoryEntry } from '../history/history.js';
import { jumpLink } from '../history/history.js';
import { EMBED_COLOR, promptForEmbed } from '../discord/embeds.js';
import { QUALITY_LABELS } from '../kie/index.js';
import type { Logger } from '../log.js';
import { messagesFor, type Messages } from '../messages.js';
import type { GuildSettingsStore } from '../policy/settings-store.js';

const COLORS = { generation: 0x57f287, refusal: 0xed4245, admin: EMBED_COLOR, warning: 0xfee75c } as const;

/** A sentence not yet put in a language: the log writes it in the server's, an admin's reply in the admin's. */
export type Sentence = (m: Messages) => string;

/** What the moderation log channel of a server is told; every post is fire-and-forget for its caller. */
export interface ModerationLog {
  generation(entry: HistoryEntry): Promise<void>;
  /** A prompt refused for what it says (a banned word, or blocked by KIE); other refusals are not the log's business. */
  refusal(guildId: string, userId: string, prompt: string, reason: RefusalReason): Promise<void>;
  adminAction(guildId: string, adminId: string, action: string, outcome: Sentence): Promise<void>;
  /** An image's Delete button was used (by its member or a moderator). */
  imageDeleted(entry: HistoryEntry, byUserId: string): Promise<void>;
  /** A warning for the server's admins (e.g. KIE credits running low); whether it was posted. */
  warning(guildId: string, text: Sentence): Promise<boolean>;
  /** Why the last post to the server's log channel failed, once: the next admin command shows it. */
  takeProblem(guildId: string): Sentence | undefined;
}

export interface ModerationLogDeps {
  settings: Pick<GuildSettingsStore, 'logChannel'>;
  send: (channelId: string, message: OutgoingMessage) => Promise<unknown>;
  logger: Logger;
  /** The server's locale (its guild_locale): every post is in its language. */
  localeOf: (guildId: string) => string | undefined;
}

/**
 * Posts to each server's log channel, never pinging anyone (allowed_mentions empty). A failed post is
 * logged and, when the bot lacks access to the channel, remembered for the next admin command; the
 * generation or command that caused it goes on regardless.
 */
export function createModerationLog({ settings, send, logger, localeOf }: ModerationLogDeps): ModerationLog {
  /** The log channel each server's last post could not reach. */
  const problems = new Map<string, string>();
  /** Whether the embed reached the log channel (false without one). */
  const post = async (guildId: string, embedIn: (m: Messages) => APIEmbed): Promise<boolean> => {
    let channelId: string | undefined;
    try {
      channelId = await settings.logChannel(guildId);
      if (channelId === undefined) return false;
      await send(channelId, { content: '', embeds: [embedIn(messagesFor(localeOf(guildId)))], allowedMentions: { parse: [] } });
      problems.delete(guildId);
      return true;
    } catch (error) {
      logger.warn({ err: error, guildId, channelId, discord: describeReplyError(error) }, 'could not post to the moderation log channel');
      if (channelId !== undefined && classifyReplyError(error) !== 'transient') problems.set(guildId, channelId);
      return false;
    }
  };
  const logged = (posting: Promise<boolean>): Promise<void> => posting.then(() => undefined);
  return {
    generation(entry) {
      const link = jumpLink(entry);
      return logged(post(entry.guildId, (m) => ({
        title: m.logGenerationTitle,
        description: promptForEmbed(entry.prompt),
        color: COLORS.generation,
        fields: [
          { name: m.logMember, value: `<@${entry.userId}>`, inline: true },
          { name: m.logSettings, value: `${entry.aspect} · ${QUALITY_LABELS[entry.quality]}${entry.inputImageUrls.length > 0 ? ` · ${m.logEditOfPicture}` : ''}`, inline: true },
          ...(link === undefined ? [] : [{ name: m.logImage, value: `[${m.logJumpToMessage}](${link})`, inline: true }]),
          ...(entry.inputImageUrls.length > 0 ? [{ name: m.logPictureFrom, value: pictureOwner(entry, m), inline: true }] : []),
        ],
        ...(entry.imageUrl === undefined ? {} : { thumbnail: { url: entry.imageUrl } }),
        timestamp: new Date(entry.createdAt).toISOString(),
      })));
    },
    refusal(guildId, userId, prompt, reason) {
      if (reason.code !== 'banned_word' && reason.code !== 'blocked') return Promise.resolve();
      return logged(post(guildId, (m) => ({
        title: reason.code === 'banned_word' ? m.logBannedWordTitle(reason.word) : m.logBlockedTitle,
        description: promptForEmbed(prompt),
        color: COLORS.refusal,
        fields: [{ name: m.logMember, value: `<@${userId}>`, inline: true }],
      })));
    },
    adminAction(guildId, adminId, action, outcome) {
      return logged(post(guildId, (m) => ({
        title: m.logAdminTitle(action),
        description: outcome(m),
        color: COLORS.admin,
        fields: [{ name: m.logAdmin, value: `<@${adminId}>`, inline: true }],
      })));
    },
    imageDeleted(entry, byUserId) {
      return logged(post(entry.guildId, (m) => ({
        title: m.logDeletedTitle,
        description: promptForEmbed(entry.prompt),
        color: COLORS.refusal,
        fields: [
          { name: m.logMember, value: `<@${entry.userId}>`, inline: true },
          { name: m.logDeletedBy, value: `<@${byUserId}>`, inline: true },
        ],
      })));
    },
    warning(guildId, text) {
      return post(guildId, (m) => ({ title: m.logWarningTitle, description: text(m), color: COLORS.warning }));
    },
    takeProblem(guildId) {
      const channelId = problems.get(guildId);
      problems.delete(guildId);
      return channelId === undefined ? undefined : (m) => m.logChannelUnreachable(channelId);
    },
  };
}

/**
 * Whose picture an edit started from: the owner recorded with the picture's message (its author, or the
 * member who made an image the bot delivered), or the member's own upload when it came as /imagine's attachment.
 */
function pictureOwner(entry: HistoryEntry, m: Messages): string {
  const source = entry.inputSource;
  if (source === undefined) return `<@${entry.userId}> (${m.logOwnUpload})`;
  const owner = source.ownerId === undefined ? m.logUnknownMember : `<@${source.ownerId}>`;
  return `${owner} · [${m.logSourceMessage}](https://discord.com/channels/${entry.guildId}/${source.channelId}/${source.messageId})`;
}
