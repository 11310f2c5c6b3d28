import { Events, Routes, type Client, type RESTGetCurrentApplicationResult } from 'discord.js';
import { commandData } from '../commands/index.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { publicBotWarning } from './policy/operator.js';
import { registerCommands } from './register.js';

/**
 * Logs in and waits until the gateway is ready. The process that runs shard 0 also says whether anyone
 * could add the bot and spend the operator's credit, and publishes the commands. Resolves to this
 * process's shards.
 */
export async function connectToDiscord(client: Client, config: Config, logger: Logger): Promise<{ shardIds: number[]; shardCount: number }> {
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(config.discordToken);
  await ready;
  const shardIds = client.shard?.ids ?? [0];
  const shardCount = client.shard?.count ?? 1;
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size, shards: shardIds, shardCount }, 'connected to Discord');
  if (shardIds.includes(0)) {
    await warnIfPublicAndUnlimited(client, config, logger);
    await registerCommands(client.rest, { applicationId: config.discordClientId, guildId: config.discordGuildId }, commandData({ personal: config.personalDaily > 0 }), logger).catch(
      (error: unknown) => logger.error({ err: error }, 'command registration failed'),
    );
  }
  return { shardIds, shardCount };
}

/** One warn line at start when anyone could add the bot and spend the operator's KIE credit. */
async function warnIfPublicAndUnlimited(client: Client, config: Config, logger: Logger): Promise<void> {
  try {
    const application = (await client.rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult;
    const warning = publicBotWarning(application, config.operator);
    if (warning !== undefined) logger.warn({ botPublic: true }, warning);
  } catch (error) {
    logger.warn({ err: error }, 'could not read the application to check whether it is public');
  }
}
