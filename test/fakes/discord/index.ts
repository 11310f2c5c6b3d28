/**
 * A fake Discord (REST API v10 + gateway) on 127.0.0.1 for end-to-end tests of a discord.js bot.
 *
 *   const fake = await FakeDiscord.start({ guilds: [{ id: GUILD }] });
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
 *   await client.login(fake.token); await fake.waitForReady();
 *   const interaction = fake.dispatchInteraction({ commandName: 'imagine', guildId: GUILD, options: [...] });
 *   await interaction.waitForOriginal((m) => m.attachments.length > 0);
 *   ...; await client.destroy(); await fake.close();
 */
export { FakeDiscord } from './fake-discord.js';
export { FakeInteraction } from './interactions.js';
export { computeMentions } from './mentions.js';
export { shardOfGuild } from './snowflake.js';
export type {
  CommandOptionSpec,
  ComponentSpec,
  ComputedMentions,
  FakeAttachment,
  FakeChannelSpec,
  FakeDiscordOptions,
  FakeGuildSpec,
  FakeMessage,
  FakeUpload,
  FakeUserSpec,
  MemberMessageSpec,
  FaultSpec,
  InteractionCallback,
  InteractionSpec,
  RecordedFile,
  RecordedRequest,
  RegisteredCommand,
} from './types.js';
