import type { ModalSubmitInteraction } from 'discord.js';
import { Refusal } from '../../errors.js';
import type { ImageParent, PictureSource } from '../../discord/message-refs.js';
import { parseImagineRequest } from '../../jobs/request.js';
import type { Services } from '../../services.js';
import { jobInteractionOf } from '../job-interaction.js';

export interface EditInput {
  text: string | null;
  imageUrl: string;
  imageSource?: PictureSource | undefined;
  aspect: string;
  quality: string;
  parents?: ImageParent[] | undefined;
  /** An edit of a private image is private too. */
  private?: boolean;
}

/** seedream/4.5-edit of one picture with the member's words as the prompt, through the same admission as /imagine. */
export async function startEdit(interaction: ModalSubmitInteraction, guildId: string, input: EditInput, services: Services): Promise<void> {
  const parsed = parseImagineRequest({ prompt: input.text, aspect: input.aspect, quality: input.quality });
  if (!parsed.ok) throw new Refusal(parsed.refusal);
  const source = input.imageSource === undefined ? {} : { imageSource: input.imageSource };
  const parents = input.parents === undefined ? {} : { parents: input.parents };
  await services.startJob(jobInteractionOf(interaction, guildId, services.membership, { private: input.private === true }), { ...parsed.request, imageUrls: [input.imageUrl], ...source, ...parents });
}
