import { Refusal } from '../src/errors.js';
import { jobInteractionOf } from '../src/interactions/job-interaction.js';
import { checkPicture } from '../src/interactions/picture.js';
import { parseImagineRequest } from '../src/jobs/request.js';
import type { Command } from '../src/services.js';
import { imagineCommand } from './imagine-data.js';

export const imagine: Command = {
  data: imagineCommand,
  async execute(interaction, services) {
    const attachment = interaction.options.getAttachment('image');
    const picture = attachment === null ? undefined : checkPicture(attachment);
    if (picture && !picture.ok) throw new Refusal(picture.refusal);
    const parsed = parseImagineRequest({
      prompt: interaction.options.getString('prompt'),
      // Without an aspect of their own, an edit keeps the shape of the member's picture.
      aspect: interaction.options.getString('aspect') ?? picture?.aspect ?? null,
      quality: interaction.options.getString('quality'),
    });
    if (!parsed.ok) throw new Refusal(parsed.refusal);
    await services.startJob(jobInteractionOf(interaction, interaction.guildId), picture ? { ...parsed.request, imageUrls: [picture.url] } : parsed.request);
  },
};
