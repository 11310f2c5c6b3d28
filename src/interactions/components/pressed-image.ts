import type { ButtonInteraction, Message, ModalSubmitInteraction } from 'discord.js';
import { Refusal } from '../../errors.js';
import { jumpLink, type HistoryEntry } from '../../history/history.js';
import { jobIdOfFilename } from '../../jobs/image-filename.js';
import type { ImageParent, PictureSource } from '../../discord/message-refs.js';
import { isPersonalGuild } from '../../quota/personal.js';
import type { Services } from '../../services.js';

type Repliable = ButtonInteraction | ModalSubmitInteraction;

/**
 * The pressed button's image, if it is still in the history and belongs to the server the button was pressed
 * in. In a DM the image's server must be one the operator serves, and only the image's own member may press
 * (membership and roles are checked by admission, for presses that start a job). A personal image answers
 * its member wherever they press, and nobody else.
 */
export async function pressedImage(interaction: Repliable, jobId: string, services: Services): Promise<HistoryEntry> {
  const entry = await services.history.get(jobId, services.clock.now());
  if (entry && isPersonalGuild(entry.guildId)) {
    if (interaction.user.id !== entry.userId) throw new Refusal({ code: 'not_your_image' });
    return entry;
  }
  if (!entry || (interaction.guildId !== null && interaction.guildId !== entry.guildId)) throw new Refusal({ code: 'image_expired' });
  if (interaction.guildId === null) {
    if (!services.operator.servesGuild(entry.guildId)) throw new Refusal({ code: 'guild_not_enabled' });
    if (interaction.user.id !== entry.userId) throw new Refusal({ code: 'not_your_image' });
  }
  return entry;
}

/** A job started from a private image (its Reroll, Edit or Upscale) is private too. */
export function visibilityOf(entry: HistoryEntry): { private?: true } {
  return entry.private === true ? { private: true } : {};
}

/**
 * The image a new one comes from, for the link to it (none to a private image's message): the message the
 * button was pressed on (a press may come
 * before the history knows its message), else the message its history entry names.
 */
export function parentOf(entry: HistoryEntry, pressedOn: Message | null): { parents: ImageParent[] } | Record<string, never> {
  const url = pressedOn ? jumpLink({ ...entry, channelId: pressedOn.channelId, messageId: pressedOn.id, delivery: pressedOn.guildId === null ? 'dm' : 'channel' }) : jumpLink(entry);
  return url === undefined ? {} : { parents: [{ jobId: entry.jobId, url }] };
}

/**
 * The entry's image on the message a button is on (a set's message carries several: the file name says
 * whose), with a fresh URL; the URLs recorded at delivery are the fallback (an ephemeral or edited message).
 */
export function pictureOnMessage(message: Message | null, entry: HistoryEntry): { url: string; imageSource?: PictureSource } {
  const attachments = message ? [...message.attachments.values()] : [];
  const attachment = attachments.find((each) => jobIdOfFilename(each.name) === entry.jobId) ?? (attachments.length === 1 ? attachments[0] : undefined);
  const fallback = entry.imageUrl ?? entry.resultUrl;
  if (!message || !attachment) return { url: fallback };
  // The picture is the image's member's, whoever posted the message (the bot did).
  return { url: attachment.url, imageSource: { channelId: message.channelId, messageId: message.id, attachmentId: attachment.id, ownerId: entry.userId } };
}
