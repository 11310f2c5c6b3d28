import { Refusal } from '../src/errors.js';
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
    if (!parsed.ok) throw new Refusal(parsed.refusal);
    await services.startJob(interaction, parsed.request);
  },
};
