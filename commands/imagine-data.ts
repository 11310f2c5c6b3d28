import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { ASPECT_RATIOS, MAX_PROMPT_LENGTH, QUALITIES, QUALITY_LABELS } from '../src/kie/index.js';

export const imagineCommand = {
  name: 'imagine',
  description: 'Generate a picture from a text prompt',
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'prompt',
      description: 'What should the picture show?',
      required: true,
      max_length: MAX_PROMPT_LENGTH,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'aspect',
      description: 'Aspect ratio (default 1:1)',
      choices: ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'quality',
      description: 'Resolution (default 2K)',
      choices: QUALITIES.map((quality) => ({ name: QUALITY_LABELS[quality], value: quality })),
    },
    {
      type: ApplicationCommandOptionType.Attachment,
      name: 'image',
      description: 'A picture to start from (PNG, JPEG or WebP, up to 10 MB)',
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;
