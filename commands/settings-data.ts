import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { MAX_SET_SIZE } from '../src/policy/member-defaults.js';
import { aspectOption, qualityOption, styleOption } from './imagine-data.js';

export const settingsCommand = {
  name: 'settings',
  description: 'Your defaults for /imagine in this server (with no option: show them)',
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
  options: [
    { ...aspectOption, description: 'Your default aspect ratio' },
    { ...qualityOption, description: 'Your default resolution' },
    { type: ApplicationCommandOptionType.Integer, name: 'count', description: 'How many images a request makes', min_value: 1, max_value: MAX_SET_SIZE },
    { ...styleOption, description: "One of this server's styles, added to every prompt" },
    { type: ApplicationCommandOptionType.Boolean, name: 'private', description: 'Whether only you see your results by default' },
    { type: ApplicationCommandOptionType.Boolean, name: 'reset', description: 'Clear your defaults first' },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;
