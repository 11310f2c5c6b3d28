import { styleSuggestions } from '../policy/styles.js';
import type { GuildAutocompleteInteraction, Services } from '../services.js';

/** The option names that take one of the server's styles (/imagine style, /blend style, /settings style, admin's styles remove name). */
const STYLE_OPTIONS = new Set(['style', 'name']);

/**
 * Suggests the server's styles whose names contain what the member typed so far. The styles come with the
 * server's policy, from memory once cached, so the answer leaves well inside Discord's 3 s.
 */
export async function suggestStyles(interaction: GuildAutocompleteInteraction, services: Pick<Services, 'settings'>): Promise<void> {
  const focused = interaction.options.getFocused(true);
  if (!STYLE_OPTIONS.has(focused.name)) return interaction.respond([]);
  const policy = services.settings.cachedPolicy(interaction.guildId) ?? (await services.settings.policy(interaction.guildId));
  await interaction.respond(styleSuggestions(policy.styles, String(focused.value)));
}
