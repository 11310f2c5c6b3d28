import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type Client, type ModalSubmitInteraction } from 'discord.js';
import type { JobInteraction } from './intake.js';
import { memberRoleIds } from './member.js';
import type { MembershipCheck } from '../discord/membership.js';
import { isPersonalGuild } from '../quota/personal.js';

/**
 * A slash command, button or modal submission as the intake sees it, in the image's server `guildId`
 * (which a button pressed in a DM does not carry itself). A press in a DM is held to that server through
 * `membership`: the presser must still be a member, and their roles there now set their limit. A private
 * request is deferred ephemerally, so its status and result are the member's alone.
 */
export function jobInteractionOf(
  interaction: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction,
  guildId: string,
  membership?: Pick<MembershipCheck, 'check'>,
  visibility: { private?: boolean } = {},
): JobInteraction {
  const { channelId } = interaction;
  if (channelId === null) throw new Error('an interaction without a channel cannot start a job');
  // A personal image's buttons answer its member wherever they are, with no server to be a member of.
  const personal = isPersonalGuild(guildId);
  const inDirectMessages = interaction.guildId === null;
  if (inDirectMessages && !personal && membership === undefined) throw new Error('a press in a DM needs a membership check');
  return {
    id: interaction.id,
    token: interaction.token,
    applicationId: interaction.applicationId,
    guildId,
    channelId,
    user: interaction.user,
    locale: interaction.locale,
    memberRoleIds: memberRoleIds(interaction),
    inDirectMessages,
    ...(personal ? { personal } : {}),
    ...(visibility.private === true ? { private: true } : {}),
    ...(inDirectMessages && !personal && membership ? { currentMember: () => membership.check(guildId, interaction.user.id) } : {}),
    createdTimestamp: interaction.createdTimestamp,
    attachmentSizeLimit: interaction.attachmentSizeLimit,
    parentChannelId: () => threadParentId(interaction.client, channelId),
    // Already deferred only in the naive benchmark baseline, which defers before anything else (see routeInteractions).
    deferReply: async () => (interaction.deferred ? undefined : interaction.deferReply(visibility.private === true ? { flags: MessageFlags.Ephemeral } : {})),
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
