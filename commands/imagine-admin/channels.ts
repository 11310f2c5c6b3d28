import { admin, type AdminSubcommand } from './subcommand.js';

/** Where things happen: the channels /imagine may be used in, and the moderation log channel. */
export const channelSubcommands: readonly AdminSubcommand[] = [
  admin('channels allow', async (interaction, { settings }, guildId) => {
    const channel = interaction.options.getChannel('channel', true);
    const added = await settings.allowChannel(guildId, channel.id);
    const all = await settings.allowedChannels(guildId);
    return (m) => (added ? m.channelAllowed(channel.id, all) : m.channelAlreadyAllowed(channel.id));
  }),
  admin('channels remove', async (interaction, { settings }, guildId) => {
    const channel = interaction.options.getChannel('channel', true);
    const removed = await settings.removeChannel(guildId, channel.id);
    const all = await settings.allowedChannels(guildId);
    return (m) => (removed ? m.channelRemoved(channel.id, all) : m.channelNotAllowed(channel.id));
  }),
  admin('channels list', async (_interaction, { settings }, guildId) => {
    const all = await settings.allowedChannels(guildId);
    return (m) => m.channelsList(all);
  }),
  admin('log channel', async (interaction, { settings }, guildId) => {
    const channel = interaction.options.getChannel('channel', true);
    await settings.setLogChannel(guildId, channel.id);
    return (m) => m.logChannelSet(channel.id);
  }),
  admin('log off', async (_interaction, { settings }, guildId) => {
    const current = await settings.logChannel(guildId);
    if (current === undefined) return (m) => m.logAlreadyOff;
    await settings.setLogChannel(guildId, undefined);
    return (m) => m.logOff(current);
  }),
];
