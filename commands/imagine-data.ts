import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { MAX_SET_SIZE } from '../src/policy/member-defaults.js';
import { ASPECT_RATIOS, MAX_PROMPT_LENGTH, QUALITIES, QUALITY_LABELS } from '../src/kie/index.js';
import { MAX_STYLE_NAME_LENGTH } from '../src/policy/styles.js';

/** Options /imagine and /blend share: the shape, the resolution, and one of the server's styles. */
export const aspectOption = {
  type: ApplicationCommandOptionType.String,
  name: 'aspect',
  description: 'Aspect ratio (default 1:1, or your /settings default)',
  choices: ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
} as const;
export const qualityOption = {
  type: ApplicationCommandOptionType.String,
  name: 'quality',
  description: 'Resolution (default 2K, or your /settings default)',
  choices: QUALITIES.map((quality) => ({ name: QUALITY_LABELS[quality], value: quality })),
} as const;
export const styleOption = {
  type: ApplicationCommandOptionType.String,
  name: 'style',
  description: "One of this server's styles, added after your prompt",
  max_length: MAX_STYLE_NAME_LENGTH,
  autocomplete: true,
} as const;
export const privateOption = {
  type: ApplicationCommandOptionType.Boolean,
  name: 'private',
  description: 'Only you see the result (default: no, or your /settings default)',
} as const;

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
    aspectOption,
    qualityOption,
    {
      type: ApplicationCommandOptionType.Attachment,
      name: 'image',
      description: 'A picture to start from (PNG, JPEG or WebP, up to 10 MB)',
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'count',
      description: 'How many images, delivered together (default 1, or your /settings default; each costs one image)',
      min_value: 1,
      max_value: MAX_SET_SIZE,
    },
    styleOption,
    privateOption,
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;
