import { DiscordAPIError, MessageFlags, PermissionFlagsBits, RESTJSONErrorCodes, Routes, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import { encodeCustomId } from '../discord/custom-ids.js';
import { Refusal } from '../errors.js';
import type { HistoryEntry } from '../history/history.js';
import type { PictureSource } from '../discord/message-refs.js';
import type { ImagineRequest } from '../jobs/job.js';
import { parseImagineRequest } from '../jobs/request.js';
import { messagesFor } from '../messages.js';
import { isPersonalGuild, PERSONAL_GUILD_ID } from '../quota/personal.js';
import { isPersonalUse } from './personal-use.js';
import type { ComponentHandlers, Services } from '../services.js';
import { cancelJob } from './cancel-button.js';
import { editModal, editText } from './edit-modal.js';
import { HISTORY_PAGE_SIZE, historyView } from './history-view.js';
import { jobInteractionOf } from './job-interaction.js';
import { currentPictureUrls, picturesOutOfReach, sourcesOf } from './picture-source.js';

type Repliable = ButtonInteraction | ModalSubmitInteraction;

/**
 * The image loop: Reroll, Edit and Delete under every delivered image, the edit modals, and /history's pages.
 * Everything a button needs is read from the image history, so each works in whichever process gets it.
 */
export const imageLoop: ComponentHandlers = {
  async button(interaction, id, services) {
    switch (id.kind) {
      case 'image': {
        const entry = await historyEntry(interaction, id.jobId, services);
        if (id.action === 'reroll') return reroll(interaction, entry, services);
        if (id.action === 'edit') return interaction.showModal(editModal(encodeCustomId({ kind: 'edit_image', jobId: entry.jobId }), messagesFor(interaction.locale)));
        return deleteImage(interaction, entry, services);
      }
      case 'history_page':
        return showHistoryPage(interaction, id.offset, services);
      case 'cancel':
        return cancelJob(interaction, id.jobId, services);
      default:
        throw new Refusal({ code: 'component_unknown', component: 'button' });
    }
  },

  async modal(interaction, id, services) {
    const text = editText(interaction);
    switch (id.kind) {
      case 'edit_image': {
        const entry = await historyEntry(interaction, id.jobId, services);
        // The message the Edit button is on carries a fresh URL of the delivered image; the one recorded at
        // delivery is the fallback (a modal opened from an ephemeral or since-edited message).
        const { message } = interaction;
        const attachment = message?.attachments.first();
        const imageUrl = attachment?.url ?? entry.imageUrl ?? entry.resultUrl;
        // The picture is the image's member's, whoever posted the message (the bot did).
        const imageSource = message && attachment ? { channelId: message.channelId, messageId: message.id, attachmentId: attachment.id, ownerId: entry.userId } : undefined;
        return startEdit(interaction, entry.guildId, { text, imageUrl, imageSource, aspect: entry.aspect, quality: entry.quality }, services);
      }
      case 'edit_source': {
        const source = await services.editSources.get(id.sourceId, interaction.user.id);
        if (!source) throw new Refusal({ code: 'image_expired' });
        return startEdit(interaction, source.guildId, { text, ...source }, services);
      }
      default:
        throw new Refusal({ code: 'component_unknown', component: 'form' });
    }
  },
};

/**
 * The button's image, if it is still in the history and belongs to the server the button was pressed in.
 * In a DM the image's server must be one the operator serves, and only the image's own member may press
 * (membership and roles are checked by admission, for presses that start a job).
 */
async function historyEntry(interaction: Repliable, jobId: string, services: Services): Promise<HistoryEntry> {
  const entry = await services.history.get(jobId, services.clock.now());
  if (entry && isPersonalGuild(entry.guildId)) {
    // A personal image answers its member wherever they press, and nobody else.
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

/** Same prompt and settings, a new task, paid by whoever pressed; an edit's picture is looked up only once admitted. */
async function reroll(interaction: ButtonInteraction, entry: HistoryEntry, services: Services): Promise<void> {
  const parsed = parseImagineRequest({ prompt: entry.prompt, aspect: entry.aspect, quality: entry.quality });
  if (!parsed.ok) throw new Refusal(parsed.refusal);
  if (picturesOutOfReach(entry.inputImageUrls, sourcesOf(entry.inputImageUrls, entry.inputSource, entry.inputSources), services.clock.now())) {
    throw new Refusal({ code: 'pictures_expired' });
  }
  // A reroll keeps naming the style, and a blend's reroll the images it was blended from.
  const request = { ...parsed.request, ...(entry.style === undefined ? {} : { style: entry.style }), ...(entry.parents === undefined ? {} : { parents: entry.parents }) };
  await services.startJob(jobInteractionOf(interaction, entry.guildId, services.membership), request, {
    complete: async (request) => ({ ...request, ...(await rerollPicture(interaction, entry, services)) }),
  });
}

/** The pictures an edit or a blend started from, at URLs KIE can still fetch (Discord's expire after about a day). */
async function rerollPicture(
  interaction: ButtonInteraction,
  entry: HistoryEntry,
  services: Services,
): Promise<Pick<ImagineRequest, 'imageUrls' | 'imageSource' | 'pictureSources'>> {
  const { inputImageUrls: urls, inputSource, inputSources } = entry;
  if (urls.length === 0) return {};
  const deps = { client: interaction.client, logger: services.logger, now: services.clock.now() };
  const imageUrls = await currentPictureUrls(urls, sourcesOf(urls, inputSource, inputSources), deps);
  return { imageUrls, ...(inputSource === undefined ? {} : { imageSource: inputSource }), ...(inputSources === undefined ? {} : { pictureSources: inputSources }) };
}

interface EditInput {
  text: string | null;
  imageUrl: string;
  imageSource?: PictureSource | undefined;
  aspect: string;
  quality: string;
}

/** seedream/4.5-edit of one picture with the member's words as the prompt, through the same admission. */
async function startEdit(interaction: ModalSubmitInteraction, guildId: string, input: EditInput, services: Services): Promise<void> {
  const parsed = parseImagineRequest({ prompt: input.text, aspect: input.aspect, quality: input.quality });
  if (!parsed.ok) throw new Refusal(parsed.refusal);
  const source = input.imageSource === undefined ? {} : { imageSource: input.imageSource };
  await services.startJob(jobInteractionOf(interaction, guildId, services.membership), { ...parsed.request, imageUrls: [input.imageUrl], ...source });
}

/**
 * Deletes the message the button is on: its member may, and so may anyone with Manage Messages. Only when
 * that is the message the history entry names (or the entry does not know its message yet) does the image
 * leave the history; a press on another message carrying the same job's buttons (a copy: a late channel post,
 * a DM) deletes that copy alone, and the named message and its buttons stay as they were.
 */
async function deleteImage(interaction: ButtonInteraction, entry: HistoryEntry, services: Services): Promise<void> {
  const owner = interaction.user.id === entry.userId;
  const moderator = interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
  if (!owner && !moderator) throw new Refusal({ code: 'delete_not_allowed' });
  const named = entry.messageId === undefined || entry.messageId === interaction.message.id;
  await interaction.deferUpdate();
  await deleteButtonMessage(interaction, services);
  if (named) {
    // The image is gone either way; a history entry left behind only lists a dead link until it is pruned.
    await services.history.remove(entry.jobId).catch((error: unknown) => services.logger.warn({ err: error, jobId: entry.jobId }, 'could not remove a deleted image from the history'));
  }
  services.logger.info(
    { jobId: entry.jobId, guildId: entry.guildId, userId: interaction.user.id, byOwner: owner, messageId: interaction.message.id, copy: !named },
    named ? 'image deleted' : 'a copy of an image deleted; the image its history names stays',
  );
  void services.modLog.imageDeleted(entry, interaction.user.id);
}

/**
 * Deletes the message the button is on through its channel, as for any message of the bot's; where the bot
 * cannot reach the channel, through the interaction (after a deferred update its @original is that message).
 * A message someone already deleted counts as deleted.
 */
async function deleteButtonMessage(interaction: ButtonInteraction, services: Services): Promise<void> {
  const { message } = interaction;
  try {
    await interaction.client.rest.delete(Routes.channelMessage(message.channelId, message.id));
    return;
  } catch (error) {
    if (isUnknownMessage(error)) return;
    services.logger.info({ err: error, messageId: message.id }, 'could not delete the image through its channel; deleting it through the interaction');
  }
  await interaction.deleteReply().catch((error: unknown) => {
    if (!isUnknownMessage(error)) throw error;
  });
}

function isUnknownMessage(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage;
}

async function showHistoryPage(interaction: ButtonInteraction, offset: number, services: Services): Promise<void> {
  // The page of a personal /history is pressed where that /history was used: a DM or a server without the bot.
  const guildId = isPersonalUse(interaction) ? PERSONAL_GUILD_ID : interaction.guildId;
  if (guildId === null) throw new Refusal({ code: 'guild_only' });
  const page = await services.history.listForMember(guildId, interaction.user.id, { offset, limit: HISTORY_PAGE_SIZE }, services.clock.now());
  await interaction.update({ ...historyView(page, offset, messagesFor(interaction.locale), isPersonalGuild(guildId)), allowedMentions: { parse: [] } });
}

/** Replies /history's first page privately: the member's images in `guildId` (a server, or their personal ones). */
export async function replyHistory(
  interaction: { user: { id: string }; locale: string; reply(options: object): Promise<unknown> },
  guildId: string,
  services: Services,
): Promise<void> {
  const page = await services.history.listForMember(guildId, interaction.user.id, { offset: 0, limit: HISTORY_PAGE_SIZE }, services.clock.now());
  await interaction.reply({ ...historyView(page, 0, messagesFor(interaction.locale), isPersonalGuild(guildId)), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}
