import type { ButtonInteraction, ModalSubmitInteraction } from 'discord.js';
import type { CustomId } from '../../discord/custom-ids.js';
import { Refusal } from '../../errors.js';
import type { ComponentHandlers, Services } from '../../services.js';

type Kind = CustomId['kind'];
type IdOf<K extends Kind> = Extract<CustomId, { kind: K }>;

/** One button kind's entry point: the custom_id kind it answers and what it does. */
export interface ButtonHandler<K extends Kind = Kind> {
  kind: K;
  run(interaction: ButtonInteraction, id: IdOf<K>, services: Services): Promise<void>;
}

/** One modal kind's entry point. */
export interface ModalHandler<K extends Kind = Kind> {
  kind: K;
  run(interaction: ModalSubmitInteraction, id: IdOf<K>, services: Services): Promise<void>;
}

/** Declares a handler with its id's type narrowed to its kind. */
export const buttonHandler = <K extends Kind>(handler: ButtonHandler<K>): ButtonHandler => handler as unknown as ButtonHandler;
export const modalHandler = <K extends Kind>(handler: ModalHandler<K>): ModalHandler => handler as unknown as ModalHandler;

/**
 * Routes a parsed custom_id to the one module registered for its kind (as sapphire's interaction handlers
 * do); a kind with no module of that type is answered as a button or form this version does not read.
 */
export function componentRegistry(buttons: readonly ButtonHandler[], modals: readonly ModalHandler[]): ComponentHandlers {
  const buttonsByKind = byKind(buttons);
  const modalsByKind = byKind(modals);
  return {
    async button(interaction, id, services) {
      const handler = buttonsByKind.get(id.kind);
      if (!handler) throw new Refusal({ code: 'component_unknown', component: 'button' });
      await handler.run(interaction, id, services);
    },
    async modal(interaction, id, services) {
      const handler = modalsByKind.get(id.kind);
      if (!handler) throw new Refusal({ code: 'component_unknown', component: 'form' });
      await handler.run(interaction, id, services);
    },
  };
}

function byKind<H extends { kind: Kind }>(handlers: readonly H[]): Map<Kind, H> {
  const map = new Map<Kind, H>();
  for (const handler of handlers) {
    if (map.has(handler.kind)) throw new Error(`two handlers for the custom_id kind ${handler.kind}`);
    map.set(handler.kind, handler);
  }
  return map;
}
