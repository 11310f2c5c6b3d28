import { ApplicationIntegrationType, type RepliableInteraction } from 'discord.js';

/**
 * A use through the member's own install: a DM or group DM, or a server that has not installed the bot
 * (Discord then names no guild installation among the interaction's authorizing owners).
 */
export function isPersonalUse(interaction: Pick<RepliableInteraction, 'guildId' | 'authorizingIntegrationOwners'>): boolean {
  return interaction.guildId === null || interaction.authorizingIntegrationOwners[ApplicationIntegrationType.GuildInstall] === undefined;
}
