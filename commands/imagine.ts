import { Refusal } from '../src/errors.js';
import { effectiveRequest, memberChoices } from '../src/interactions/effective-options.js';
import { jobInteractionOf } from '../src/interactions/job-interaction.js';
import { checkPicture } from '../src/interactions/picture.js';
import { suggestStyles } from '../src/interactions/style-autocomplete.js';
import type { Command } from '../src/services.js';
import { imagineCommand } from './imagine-data.js';

export const imagine: Command = {
  data: imagineCommand,
  async execute(interaction, services) {
    const attachment = interaction.options.getAttachment('image');
    const picture = attachment === null ? undefined : checkPicture(attachment);
    if (picture && !picture.ok) throw new Refusal(picture.refusal);
    const { defaults, styles } = await memberChoices(services, interaction.guildId, interaction.user.id);
    const effective = effectiveRequest(
      {
        prompt: interaction.options.getString('prompt'),
        aspect: interaction.options.getString('aspect'),
        quality: interaction.options.getString('quality'),
        count: interaction.options.getInteger('count'),
        style: interaction.options.getString('style'),
        // Without an aspect of their own, an edit keeps the shape of the member's picture.
        pictureAspect: picture?.aspect,
      },
      defaults,
      styles,
    );
    if (!effective.ok) throw new Refusal(effective.refusal);
    const { request, count } = effective;
    await services.startJob(jobInteractionOf(interaction, interaction.guildId), picture ? { ...request, imageUrls: [picture.url] } : request, { count });
  },
  autocomplete: suggestStyles,
};
