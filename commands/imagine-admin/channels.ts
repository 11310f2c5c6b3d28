import { messages } from '../../src/messages.js';
import { admin, type AdminSubcommand } from './subcommand.js';

/** Where things happen: the channels /imagine may be used in, and the moderation log channel. */
export const channelSubcommands: readonly AdminSubcommand[] = [
  admin('channels allow', async (interaction, { settings }, guildId) => {
    const channel = interaction.options.getChannel('channel', true);
    const added = await settings.allowChannel(guildId, channel.id);
    return added ? messages.channelAllowed(channel.id, await settings.allowedChannels(guildId)) : messages.channelAlreadyAllowed(channel.id);
  }),
  admin('channels remove', async (interaction, { settings }, guildId) => {
    const channel = interaction.options.getChannel('channel', true);
    const removed = await settings.removeChannel(guildId, channel.id);
    return removed ? messages.channelRemoved(channel.id, await settings.allowedChannels(guildId)) : messages.channelNotAllowed(channel.id);
  }),
  admin('channels list', async (_interaction, { settings }, guildId) => messages.channelsList(await settings.allowedChannels(guildId))),
  admin('log channel', async (interaction, { settings }, guildId) => {
    const channel = interaction.options.getChannel('channel', true);
    await settings.setLogChannel(guildId, channel.id);
    return messages.logChannelSet(channel.id);
  }),
  admin('log off', async (_interaction, { settings }, guildId) => {
    const current = await settings.logChannel(guildId);
    if (current === undefined) return messages.logAlreadyOff;
    await settings.setLogChannel(guildId, undefined);
    return messages.logOff(current);
  }),
];
