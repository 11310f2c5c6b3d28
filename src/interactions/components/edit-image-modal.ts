import { editText } from '../edit-modal.js';
import { modalHandler } from './registry.js';
import { parentOf, pictureOnMessage, pressedImage, visibilityOf } from './pressed-image.js';
import { startEdit } from './start-edit.js';

/** The edit form opened from an image's Edit button: that image, edited with the member's words. */
export const editImageModal = modalHandler({
  kind: 'edit_image',
  async run(interaction, { jobId }, services) {
    const text = editText(interaction);
    const entry = await pressedImage(interaction, jobId, services);
    // The message the Edit button is on carries a fresh URL of the delivered image.
    const picture = pictureOnMessage(interaction.message, entry);
    const { parents } = parentOf(entry, interaction.message);
    await startEdit(interaction, entry.guildId, { text, imageUrl: picture.url, imageSource: picture.imageSource, aspect: entry.aspect, quality: entry.quality, parents, ...visibilityOf(entry) }, services);
  },
});
