import type { ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Clock } from './clock.js';
import type { JobIntake } from './interactions/intake.js';
import type { JobService } from './jobs/service.js';
import type { Logger } from './log.js';
import type { GuildSettingsStore } from './moderation/settings.js';
import type { QuotaService } from './quota/quota-service.js';

/** What interaction handlers may use; built once in app.ts and injected. No secrets: handlers never need them. */
export interface Services {
  logger: Logger;
  clock: Clock;
  settings: GuildSettingsStore;
  quota: QuotaService;
  jobs: Pick<JobService, 'inFlightFor'>;
  /** The one way an interaction starts a job. */
  startJob: JobIntake;
}

/** A slash command used in a server: the router has already refused it anywhere else. */
export type GuildCommandInteraction = ChatInputCommandInteraction<'cached' | 'raw'>;

export interface Command {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** Answers the interaction, or throws a Refusal (or any error) for the interaction error policy to answer. */
  execute(interaction: GuildCommandInteraction, services: Services): Promise<void>;
}
