import { Events } from 'discord.js';
import { createClient } from '../src/bot.js';
import { createDiscordHttpAgent } from '../src/discord/http-agent.js';

/**
 * The rig's floor for defer latency: the bot's discord.js client, configured as ours, acknowledging every
 * command the moment it arrives, with no checks, storage or logging. What ours measures above this is ours.
 */
const client = createClient({ discordApiUrl: process.env.DISCORD_API_URL! }, { sharded: false, http: createDiscordHttpAgent() });
client.on(Events.InteractionCreate, (interaction) => {
  if (interaction.isChatInputCommand()) interaction.deferReply().catch(() => undefined);
});
client.once(Events.ClientReady, () => console.log(JSON.stringify({ msg: 'connected to Discord' })));
await client.login(process.env.DISCORD_TOKEN);
