import type { Interaction } from 'discord.js';

/** The role ids of the member behind an interaction ([] outside a server): cached member or raw API member alike. */
export function memberRoleIds(interaction: Pick<Interaction, 'member' | 'guildId'>): string[] {
  const roles = interaction.member?.roles;
  if (roles === undefined) return [];
  const ids = Array.isArray(roles) ? roles : [...roles.cache.keys()];
  // The @everyone role has the server's id; it is no rule of its own.
  return ids.filter((id) => id !== interaction.guildId);
}
