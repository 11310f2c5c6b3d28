import { replyHistory } from '../src/interactions/components/index.js';
import type { Command } from '../src/services.js';
import { historyCommand } from './history-data.js';

export const history: Command = {
  data: historyCommand,
  execute: (interaction, services) => replyHistory(interaction, services),
};
