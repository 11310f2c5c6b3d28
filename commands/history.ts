import { replyHistory } from '../src/interactions/components/index.js';
import { PERSONAL_GUILD_ID } from '../src/quota/personal.js';
import type { Command } from '../src/services.js';
import { historyCommand } from './history-data.js';

export const history: Command = {
  data: historyCommand,
  execute: (interaction, services) => replyHistory(interaction, interaction.guildId, services),
  personal: (interaction, services) => replyHistory(interaction, PERSONAL_GUILD_ID, services),
};
