import { MessageFlags } from 'discord.js';
import { memberRoleIds } from '../src/interactions/member.js';
import { messagesFor } from '../src/messages.js';
import { PERSONAL_GUILD_ID } from '../src/quota/personal.js';
import type { Command } from '../src/services.js';
import { quotaCommand } from './quota-data.js';

export const quota: Command = {
  data: quotaCommand,
  async execute(interaction, services) {
    const status = await services.quota.status(interaction.guildId, interaction.user.id, memberRoleIds(interaction));
    const inProgress = services.jobs.inProgressFor(interaction.guildId, interaction.user.id);
    await interaction.reply({ content: messagesFor(interaction.locale).quotaStatus(status, inProgress), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
  /** Outside the servers that installed the bot: the member's personal allowance. */
  async personal(interaction, services) {
    const status = await services.quota.personalStatus(interaction.user.id);
    const inProgress = services.jobs.inProgressFor(PERSONAL_GUILD_ID, interaction.user.id);
    const content = messagesFor(interaction.locale).personalQuotaStatus(status, inProgress);
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
