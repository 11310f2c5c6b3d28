import { MessageFlags } from 'discord.js';
import { parseImagineRequest } from '../src/jobs/request.js';
import type { Command } from '../src/services.js';
import { imagineCommand } from './imagine-data.js';

export const imagine: Command = {
  data: imagineCommand,
  async execute(interaction, services) {
    const parsed = parseImagineRequest({
      prompt: interaction.options.getString('prompt'),
      aspect: interaction.options.getString('aspect'),
      quality: interaction.options.getString('quality'),
    });
    if (!parsed.ok) {
      await interaction.reply({ content: parsed.reason, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    await services.jobs.submit(interaction, parsed.request);
  },
};
