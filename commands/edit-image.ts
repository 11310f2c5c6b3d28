import { encodeCustomId } from '../src/discord/custom-ids.js';
import { Refusal } from '../src/errors.js';
import { editModal } from '../src/interactions/edit-modal.js';
import { messagesFor } from '../src/messages.js';
import { checkPicture, pictureOf } from '../src/interactions/picture.js';
import type { MessageCommand } from '../src/services.js';
import { editImageCommand } from './edit-image-data.js';

export const editImage: MessageCommand = {
  data: editImageCommand,
  async execute(interaction, services) {
    const message = interaction.targetMessage;
    // A member the server refuses anyway stores nothing: the picture waits only for someone who may edit it.
    const policy = await services.settings.policy(interaction.guildId);
    if (policy.paused) throw new Refusal({ code: 'paused' });
    if (policy.blocked.has(interaction.user.id)) throw new Refusal({ code: 'blocked' });
    const picture = checkPicture(pictureOf([...message.attachments.values()]));
    if (!picture.ok) throw new Refusal(picture.refusal);
    // The modal's custom_id can hold only a key: the picture waits in the store for the submission.
    await services.editSources.put(interaction.id, {
      guildId: interaction.guildId,
      userId: interaction.user.id,
      imageUrl: picture.url,
      imageSource: { channelId: message.channelId, messageId: message.id, attachmentId: picture.picture.id, ownerId: message.author.id },
      aspect: picture.aspect ?? '1:1',
      quality: 'basic',
    });
    await interaction.showModal(editModal(encodeCustomId({ kind: 'edit_source', sourceId: interaction.id }), messagesFor(interaction.locale)));
  },
};
