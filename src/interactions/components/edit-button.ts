import { encodeCustomId } from '../../discord/custom-ids.js';
import { messagesFor } from '../../messages.js';
import { editModal } from '../edit-modal.js';
import { buttonHandler } from './registry.js';
import { pressedImage } from './pressed-image.js';

/** ✏️ Edit (or `Edit n` under a set): opens the form that asks what should change in that image. */
export const editButton = buttonHandler({
  kind: 'edit',
  async run(interaction, { jobId }, services) {
    const entry = await pressedImage(interaction, jobId, services);
    await interaction.showModal(editModal(encodeCustomId({ kind: 'edit_image', jobId: entry.jobId }), messagesFor(interaction.locale)));
  },
});
