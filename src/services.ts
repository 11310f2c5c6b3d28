import type { ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { JobService } from './jobs/service.js';
import type { Logger } from './log.js';
import type { GuildSettingsStore } from './moderation/settings.js';
import type { QuotaService } from './quota/quota-service.js';

/** What command handlers may use; built once in main.ts and injected. */
export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  settings: GuildSettingsStore;
  quota: QuotaService;
  jobs: JobService;
}

export interface Command {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, services: Services): Promise<void>;
}
