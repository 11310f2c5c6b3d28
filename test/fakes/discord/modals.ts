/** Modal submissions: the components Discord sends back for the modal a bot opened. */
import { isRecord } from './json.js';

const ActionRow = 1;
const TextInput = 4;
const Label = 18;

/**
 * The `data.components` of a MODAL_SUBMIT for `modal` (the bot's callback 9 data) with `values` by text input
 * custom_id: labels come back as `{type: 18, component}`, legacy action rows as `{type: 1, components}`.
 */
export function submittedModalComponents(modal: Record<string, unknown>, values: Record<string, string>): unknown[] {
  const unused = new Set(Object.keys(values));
  let nextId = 1;
  const answer = (input: Record<string, unknown>): Record<string, unknown> => {
    const customId = String(input['custom_id']);
    unused.delete(customId);
    return { type: TextInput, id: Number(input['id'] ?? nextId++), custom_id: customId, value: values[customId] ?? '' };
  };
  const components = Array.isArray(modal['components']) ? modal['components'].filter(isRecord) : [];
  const submitted = components.flatMap((component): unknown[] => {
    const id = Number(component['id'] ?? nextId++);
    if (component['type'] === Label && isRecord(component['component']) && component['component']['type'] === TextInput) {
      return [{ type: Label, id, component: answer(component['component']) }];
    }
    if (component['type'] === ActionRow && Array.isArray(component['components'])) {
      const inputs = component['components'].filter(isRecord).filter((child) => child['type'] === TextInput);
      return [{ type: ActionRow, id, components: inputs.map(answer) }];
    }
    return [];
  });
  if (unused.size > 0) throw new Error(`FakeDiscord: the modal has no text input ${[...unused].join(', ')}`);
  return submitted;
}
