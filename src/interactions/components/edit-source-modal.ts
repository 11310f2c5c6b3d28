import { Refusal } from '../../errors.js';
import { editText } from '../edit-modal.js';
import { modalHandler } from './registry.js';
import { startEdit } from './start-edit.js';

/** The edit form opened from the "Edit image" message command: the picture waits in the store under its id. */
export const editSourceModal = modalHandler({
  kind: 'edit_source',
  async run(interaction, { sourceId }, services) {
    const text = editText(interaction);
    const source = await services.editSources.get(sourceId, interaction.user.id);
    if (!source) throw new Refusal({ code: 'image_expired' });
    await startEdit(interaction, source.guildId, { text, ...source }, services);
  },
});
