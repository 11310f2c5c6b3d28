import type { ButtonInteraction, ChatInputCommandInteraction, Client, ModalSubmitInteraction } from 'discord.js';
import type { JobInteraction } from './intake.js';
import { memberRoleIds } from './member.js';

/**
 * A slash command, button or modal submission as the intake sees it, in the image's server `guildId`
 * (which a button pressed in a DM does not carry itself).
 */
export function jobInteractionOf(interaction: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction, guildId: string): JobInteraction {
  const { channelId } = interaction;
  if (channelId === null) throw new Error('an interaction without a channel cannot start a job');
  return {
    id: interaction.id,
    token: interaction.token,
    applicationId: interaction.applicationId,
    guildId,
    channelId,
    user: interaction.user,
    memberRoleIds: memberRoleIds(interaction),
    inDirectMessages: interaction.guildId === null,
    createdTimestamp: interaction.createdTimestamp,
    attachmentSizeLimit: interaction.attachmentSizeLimit,
    parentChannelId: () => threadParentId(interaction.client, channelId),
    deferReply: () => interaction.deferReply(),
  };
}

/**
 * The parent of a thread, from the cache (GUILD_CREATE and THREAD_CREATE carry threads) or else asked of
 * Discord; a channel Discord will not describe counts as no thread, so the allow list refuses it.
 */
async function threadParentId(client: Client, channelId: string): Promise<string | undefined> {
  const channel = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId).catch(() => null));
  return channel?.isThread() ? (channel.parentId ?? undefined) : undefined;
}
