import { MessageFlags } from 'discord.js';
import { Refusal } from '../../src/errors.js';
import { messagesFor } from '../../src/messages.js';
import { subcommandName } from '../../src/interactions/permissions.js';
import { SettingsError } from '../../src/policy/settings-store.js';
import { suggestStyles } from '../../src/interactions/style-autocomplete.js';
import type { Command } from '../../src/services.js';
import { imagineAdminCommand } from '../imagine-admin-data.js';
import { accessSubcommands } from './access.js';
import { channelSubcommands } from './channels.js';
import { limitSubcommands } from './limits.js';
import { promptSubcommands } from './prompts.js';
import type { AdminSubcommand } from './subcommand.js';
import { usageSubcommands } from './usage.js';

const subcommands: ReadonlyMap<string, AdminSubcommand> = new Map(
  [limitSubcommands, accessSubcommands, usageSubcommands, promptSubcommands, channelSubcommands]
    .flat()
    .map((subcommand) => [subcommand.name, subcommand]),
);

/** `/imagine-admin`: runs the subcommand the router let through, audits it, and answers the admin privately. */
export const imagineAdmin: Command = {
  autocomplete: suggestStyles,
  data: imagineAdminCommand,
  permissions: { command: 'ManageGuild', subcommands: Object.fromEntries([...subcommands.values()].map(({ name, requires }) => [name, requires])) },
  async execute(interaction, services) {
    const { guildId } = interaction;
    const name = subcommandName(interaction) ?? '';
    const subcommand = subcommands.get(name);
    if (!subcommand) throw new Error(`unknown admin subcommand ${name}`);
    const outcome = await subcommand.run(interaction, services, guildId).catch((error: unknown) => {
      // A rejected change (empty or over-long word, full word list, bad limit) is the admin's to fix, not a crash.
      throw error instanceof SettingsError ? new Refusal({ code: 'invalid_setting', problem: { code: error.code, bound: error.bound } }, { cause: error }) : error;
    });
    const at = new Date(services.clock.now()).toISOString();
    services.logger.info({ audit: true, guildId, adminId: interaction.user.id, action: name, targetUserId: interaction.options.getUser('user')?.id, at }, 'admin action');
    // The admin reads the outcome in their language; the log channel, in the server's.
    const logged = services.modLog.adminAction(guildId, interaction.user.id, name, outcome);
    // A new log channel is tried at once, so the admin learns now whether the bot may post there.
    if (name === 'log channel') await logged;
    const problem = services.modLog.takeProblem(guildId);
    const m = messagesFor(interaction.locale);
    await interaction.reply({ content: problem === undefined ? outcome(m) : `${outcome(m)}\n\n${problem(m)}`, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
