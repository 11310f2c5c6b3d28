import type { ChatInputCommandInteraction } from 'discord.js';
import { Refusal } from '../src/errors.js';
import { effectiveRequest, memberChoices } from '../src/interactions/effective-options.js';
import { jobInteractionOf } from '../src/interactions/job-interaction.js';
import { checkPicture } from '../src/interactions/picture.js';
import { suggestStyles } from '../src/interactions/style-autocomplete.js';
import { PERSONAL_GUILD_ID } from '../src/quota/personal.js';
import type { Command, Services } from '../src/services.js';
import { imagineCommand } from './imagine-data.js';

/**
 * Reads the options (over the member's defaults and the styles of `guildId`) and starts the job, counted in
 * `guildId`: the server's, or the member's personal allowance (which has no defaults or styles of a server).
 */
async function imagineIn(interaction: ChatInputCommandInteraction, guildId: string, services: Services): Promise<void> {
  const attachment = interaction.options.getAttachment('image');
  const picture = attachment === null ? undefined : checkPicture(attachment);
  if (picture && !picture.ok) throw new Refusal(picture.refusal);
  const { defaults, styles } = await memberChoices(services, guildId, interaction.user.id);
  const effective = effectiveRequest(
    {
      prompt: interaction.options.getString('prompt'),
      aspect: interaction.options.getString('aspect'),
      quality: interaction.options.getString('quality'),
      count: interaction.options.getInteger('count'),
      style: interaction.options.getString('style'),
      private: interaction.options.getBoolean('private'),
      // Without an aspect of their own, an edit keeps the shape of the member's picture.
      pictureAspect: picture?.aspect,
    },
    defaults,
    styles,
  );
  if (!effective.ok) throw new Refusal(effective.refusal);
  const { request, count } = effective;
  await services.startJob(jobInteractionOf(interaction, guildId, undefined, { private: effective.private }), picture ? { ...request, imageUrls: [picture.url] } : request, { count });
}

export const imagine: Command = {
  data: imagineCommand,
  execute: (interaction, services) => imagineIn(interaction, interaction.guildId, services),
  personal: (interaction, services) => imagineIn(interaction, PERSONAL_GUILD_ID, services),
  autocomplete: suggestStyles,
};
