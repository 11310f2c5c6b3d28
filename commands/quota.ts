import { MessageFlags } from 'discord.js';
import { memberRoleIds } from '../src/interactions/member.js';
import { messages } from '../src/messages.js';
import type { Command } from '../src/services.js';
import { quotaCommand } from './quota-data.js';

export const quota: Command = {
  data: quotaCommand,
  async execute(interaction, services) {
    const status = await services.quota.status(interaction.guildId, interaction.user.id, memberRoleIds(interaction));
    const inFlight = services.jobs.inFlightFor(interaction.guildId, interaction.user.id);
    await interaction.reply({ content: messages.quotaStatus(status, inFlight), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
