import type { Sentence } from '../../src/moderation/mod-log.js';
import type { GuildCommandInteraction, RequiredPermission, Services } from '../../src/services.js';

/**
 * One `/imagine-admin` subcommand: its name as the router sees it ("words add", "pause"), the permission it
 * needs (checked once by the router, before `run`), and what it does; `run` answers with the sentence the
 * admin reads (in whichever language reads it: the admin's, the log's), or throws a Refusal or a SettingsError.
 */
export interface AdminSubcommand {
  name: string;
  requires: RequiredPermission;
  run(interaction: GuildCommandInteraction, services: Services, guildId: string): Promise<Sentence>;
}

/** Every admin subcommand needs Manage Server, unless it says otherwise. */
export const admin = (name: string, run: AdminSubcommand['run']): AdminSubcommand => ({ name, requires: 'ManageGuild', run });
