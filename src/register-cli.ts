import { REST } from 'discord.js';
import { config as loadDotenv } from 'dotenv';
import { commandData } from '../commands/index.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { registerCommands } from './register.js';

/** `npm run register`: publish the commands without starting the bot. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.kieApiKey] });
  const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
  const result = await registerCommands(
    rest,
    { applicationId: config.discordClientId, guildId: config.discordGuildId },
    commandData(),
    logger,
  );
  console.warn(result === 'updated' ? 'Commands published.' : 'Commands were already up to date.');
}

main().catch((error: unknown) => {
  console.error(`imagine register: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
