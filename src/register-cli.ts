import { REST } from 'discord.js';
import { commandData } from '../commands/index.js';
import { loadEnvFile } from './env-file.js';
import { ConfigError, loadDiscordConfig } from './config.js';
import { DiscordStartupError, explainDiscordFailure } from './discord/startup-errors.js';
import { createLogger } from './log.js';
import { registerCommands } from './register.js';

/** `npm run register`: publish the commands without starting the bot. Needs only the Discord variables. */
async function main(): Promise<void> {
  loadEnvFile();
  const config = loadDiscordConfig();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, secrets: [config.discordToken] });
  const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
  const result = await registerCommands(rest, { applicationId: config.discordClientId, guildId: config.discordGuildId }, commandData({ personal: config.personalDaily > 0 }), logger).catch(
    (error: unknown) => {
      throw explainDiscordFailure(error, { apiUrl: config.discordApiUrl, guildId: config.discordGuildId });
    },
  );
  console.warn(result === 'updated' ? 'Commands published.' : 'Commands were already up to date.');
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof DiscordStartupError;
  console.error(`imagine register: ${known ? error.message : `could not register the commands: ${error instanceof Error ? error.message : String(error)}`}`);
  process.exit(1);
});
