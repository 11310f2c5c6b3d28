import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData, type ModalSubmitInteraction } from 'discord.js';
import { MAX_PROMPT_LENGTH } from '../kie/index.js';
import type { Messages } from '../messages.js';

/** The custom_id of the modal's one text input. */
export const EDIT_TEXT_INPUT = 'change';

/** The edit modal: one paragraph input, what to change (1–3000 characters), empty to begin with. */
export function editModal(customId: string, m: Messages): APIModalInteractionResponseCallbackData {
  return {
    custom_id: customId,
    title: m.editModalTitle,
    components: [
      {
        type: ComponentType.Label,
        label: m.editModalLabel,
        component: {
          type: ComponentType.TextInput,
          custom_id: EDIT_TEXT_INPUT,
          style: TextInputStyle.Paragraph,
          min_length: 1,
          max_length: MAX_PROMPT_LENGTH,
          required: true,
          placeholder: m.editModalPlaceholder,
        },
      },
    ],
  };
}

/** What the member typed; null when the submission has no such input (an outdated modal). */
export function editText(interaction: ModalSubmitInteraction): string | null {
  try {
    return interaction.fields.getTextInputValue(EDIT_TEXT_INPUT);
  } catch {
    return null;
  }
}
