import { MessageFlags } from 'discord.js';
import { Refusal } from '../../errors.js';
import type { Services } from '../../services.js';
import { HISTORY_PAGE_SIZE, historyView } from '../history-view.js';
import { buttonHandler } from './registry.js';

/** Newer / Older under /history: another page of the member's images in this server. */
export const historyPageButton = buttonHandler({
  kind: 'history_page',
  async run(interaction, { offset }, services) {
    if (interaction.guildId === null) throw new Refusal({ code: 'guild_only' });
    const page = await services.history.listForMember(interaction.guildId, interaction.user.id, { offset, limit: HISTORY_PAGE_SIZE }, services.clock.now());
    await interaction.update({ ...historyView(page, offset), allowedMentions: { parse: [] } });
  },
});

/** Replies /history's first page privately. */
export async function replyHistory(
  interaction: { guildId: string; user: { id: string }; reply(options: object): Promise<unknown> },
  services: Services,
): Promise<void> {
  const page = await services.history.listForMember(interaction.guildId, interaction.user.id, { offset: 0, limit: HISTORY_PAGE_SIZE }, services.clock.now());
  await interaction.reply({ ...historyView(page, 0), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}
