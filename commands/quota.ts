import { MessageFlags } from 'discord.js';
import { memberRoleIds } from '../src/interactions/member.js';
import { messagesFor } from '../src/messages.js';
import type { Command } from '../src/services.js';
import { quotaCommand } from './quota-data.js';

export const quota: Command = {
  data: quotaCommand,
  async execute(interaction, services) {
    const status = await services.quota.status(interaction.guildId, interaction.user.id, memberRoleIds(interaction));
    const inProgress = services.jobs.inProgressFor(interaction.guildId, interaction.user.id);
    await interaction.reply({ content: messagesFor(interaction.locale).quotaStatus(status, inProgress), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
