import { MessageFlags } from 'discord.js';
import { Refusal } from '../../errors.js';
import { messagesFor } from '../../messages.js';
import { isPersonalGuild, PERSONAL_GUILD_ID } from '../../quota/personal.js';
import type { Services } from '../../services.js';
import { HISTORY_PAGE_SIZE, historyView } from '../history-view.js';
import { isPersonalUse } from '../personal-use.js';
import { buttonHandler } from './registry.js';

/** Newer / Older under /history: another page of the member's images in this server, or of their personal ones. */
export const historyPageButton = buttonHandler({
  kind: 'history_page',
  async run(interaction, { offset }, services) {
    // The page of a personal /history is pressed where that /history was used: a DM or a server without the bot.
    const guildId = isPersonalUse(interaction) ? PERSONAL_GUILD_ID : interaction.guildId;
    if (guildId === null) throw new Refusal({ code: 'guild_only' });
    const page = await services.history.listForMember(guildId, interaction.user.id, { offset, limit: HISTORY_PAGE_SIZE }, services.clock.now());
    await interaction.update({ ...historyView(page, offset, messagesFor(interaction.locale), isPersonalGuild(guildId)), allowedMentions: { parse: [] } });
  },
});

/** Replies /history's first page privately: the member's images in `guildId` (a server, or their personal ones). */
export async function replyHistory(
  interaction: { user: { id: string }; locale: string; reply(options: object): Promise<unknown> },
  guildId: string,
  services: Services,
): Promise<void> {
  const page = await services.history.listForMember(guildId, interaction.user.id, { offset: 0, limit: HISTORY_PAGE_SIZE }, services.clock.now());
  await interaction.reply({ ...historyView(page, 0, messagesFor(interaction.locale), isPersonalGuild(guildId)), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}
