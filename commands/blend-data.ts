import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandAttachmentOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { MAX_PROMPT_LENGTH } from '../src/kie/index.js';
import { aspectOption, privateOption, qualityOption, styleOption } from './imagine-data.js';

/** How many pictures one blend takes: at least two, and at most six (KIE's edit takes up to 14). */
export const MIN_BLEND_PICTURES = 2;
export const MAX_BLEND_PICTURES = 6;

const picture = (n: number): APIApplicationCommandAttachmentOption => ({
  type: ApplicationCommandOptionType.Attachment,
  name: `image${n}`,
  description: `Picture ${n} (PNG, JPEG or WebP, up to 10 MB)`,
  required: n <= MIN_BLEND_PICTURES,
});

export const BLEND_PICTURE_OPTIONS = Array.from({ length: MAX_BLEND_PICTURES }, (_, index) => `image${index + 1}`);

export const blendCommand = {
  name: 'blend',
  description: 'Blend two to six pictures into one',
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
  options: [
    ...Array.from({ length: MAX_BLEND_PICTURES }, (_, index) => picture(index + 1)),
    { type: ApplicationCommandOptionType.String, name: 'prompt', description: 'How to blend them (optional)', max_length: MAX_PROMPT_LENGTH },
    { ...aspectOption, description: "Aspect ratio (default: the first picture's shape)" },
    qualityOption,
    styleOption,
    privateOption,
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;
