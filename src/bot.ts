import { Client, Events, GatewayIntentBits, MessageFlags, Options, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import type { Dispatcher } from 'undici';
import type { Config } from './config.js';
import { UserFacingError } from './errors.js';
import type { Logger } from './log.js';
import { messages } from './messages.js';
import type { Command, Services } from './services.js';
import { isStoreError } from './storage.js';

/**
 * A discord.js client that needs nothing but guild events, caches little, and talks to DISCORD_API_URL
 * through `http` (see createDiscordHttpAgent).
 */
export function createClient(config: Pick<Config, 'discordApiUrl'>, options: { sharded: boolean; http: Dispatcher }): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    // discord.js reads SHARDS from the environment; outside a ShardingManager that is our own setting.
    ...(options.sharded ? {} : { shards: [0], shardCount: 1 }),
    rest: { api: config.discordApiUrl, agent: options.http },
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      ThreadManager: 0,
      GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user.id },
      PresenceManager: 0,
      ReactionManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      VoiceStateManager: 0,
    }),
  });
}

/** Routes slash commands to their handlers; one place decides what a failure looks like to the member. */
export function routeInteractions(client: Client, commands: ReadonlyMap<string, Command>, services: Services): void {
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (!interaction.isChatInputCommand()) return;
    const command = commands.get(interaction.commandName);
    if (!command) {
      services.logger.warn({ command: interaction.commandName }, 'unknown command');
      return;
    }
    command.execute(interaction, services).catch((error: unknown) => reportFailure(interaction, error, services.logger));
  });
}

async function reportFailure(interaction: ChatInputCommandInteraction, error: unknown, logger: Logger): Promise<void> {
  const userFacing = error instanceof UserFacingError;
  const log = { err: error, command: interaction.commandName, interactionId: interaction.id, guildId: interaction.guildId, userId: interaction.user.id };
  if (userFacing) logger.info(log, 'command refused');
  else logger.error(log, 'command failed');
  const content = userFacing ? error.userMessage : isStoreError(error) ? messages.storeUnavailable : messages.commandFailed;
  try {
    if (interaction.deferred || interaction.replied) {
      await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    } else {
      await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    }
  } catch (replyError) {
    logger.warn({ err: replyError, interactionId: interaction.id }, 'could not tell the member about the failure');
  }
}
