import { cancelJob } from '../cancel-button.js';
import { deleteButton } from './delete-button.js';
import { editButton } from './edit-button.js';
import { editImageModal } from './edit-image-modal.js';
import { editSourceModal } from './edit-source-modal.js';
import { historyPageButton } from './history-page-button.js';
import { buttonHandler, componentRegistry } from './registry.js';
import { rerollButton } from './reroll-button.js';
import { upscaleButton } from './upscale-button.js';

const cancelButton = buttonHandler({ kind: 'cancel', run: (interaction, { jobId }, services) => cancelJob(interaction, jobId, services) });

/**
 * Every button and form of the bot, one module each, found by its custom_id's kind. Everything a button
 * needs is read from the store, so each works in whichever process gets it.
 */
export const imageComponents = componentRegistry(
  [rerollButton, editButton, upscaleButton, deleteButton, historyPageButton, cancelButton],
  [editImageModal, editSourceModal],
);

export { replyHistory } from './history-page-button.js';
