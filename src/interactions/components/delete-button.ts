import { DiscordAPIError, MessageFlags, PermissionFlagsBits, RESTJSONErrorCodes, Routes, type ButtonInteraction } from 'discord.js';
import { Refusal } from '../../errors.js';
import type { Services } from '../../services.js';
import { buttonHandler } from './registry.js';
import { pressedImage } from './pressed-image.js';

/**
 * 🗑️ Delete: deletes the message it is on (every image of a set with it); its member may, and so may anyone
 * with Manage Messages. Only when that is the message the history entry names (or the entry does not know its
 * message yet) do its images leave the history; a press on a copy (a late channel post, a DM) deletes that
 * copy alone, and the named message and its buttons stay as they were.
 */
export const deleteButton = buttonHandler({
  kind: 'delete',
  async run(interaction, { jobId }, services) {
    const entry = await pressedImage(interaction, jobId, services);
    const owner = interaction.user.id === entry.userId;
    const moderator = interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
    if (!owner && !moderator) throw new Refusal({ code: 'delete_not_allowed' });
    const named = entry.messageId === undefined || entry.messageId === interaction.message.id;
    await interaction.deferUpdate();
    await deleteButtonMessage(interaction, services);
    if (named) {
      // The images are gone either way; an entry left behind only lists a dead link until it is pruned.
      for (const each of entry.setJobIds ?? [entry.jobId]) {
        await services.history.remove(each).catch((error: unknown) => services.logger.warn({ err: error, jobId: each }, 'could not remove a deleted image from the history'));
      }
    }
    services.logger.info(
      { jobId: entry.jobId, guildId: entry.guildId, userId: interaction.user.id, byOwner: owner, messageId: interaction.message.id, copy: !named },
      named ? 'image deleted' : 'a copy of an image deleted; the image its history names stays',
    );
    void services.modLog.imageDeleted(entry, interaction.user.id);
  },
});

/**
 * Deletes the message the button is on through its channel, as for any message of the bot's; where the bot
 * cannot reach the channel, or the message is ephemeral (a private image: its channel does not know it),
 * through the interaction (after a deferred update its @original is that message). A message someone
 * already deleted counts as deleted.
 */
async function deleteButtonMessage(interaction: ButtonInteraction, services: Services): Promise<void> {
  const { message } = interaction;
  if (!message.flags.has(MessageFlags.Ephemeral)) {
    try {
      await interaction.client.rest.delete(Routes.channelMessage(message.channelId, message.id));
      return;
    } catch (error) {
      if (isUnknownMessage(error)) return;
      services.logger.info({ err: error, messageId: message.id }, 'could not delete the image through its channel; deleting it through the interaction');
    }
  }
  await interaction.deleteReply().catch((error: unknown) => {
    if (!isUnknownMessage(error)) throw error;
  });
}

function isUnknownMessage(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage;
}
