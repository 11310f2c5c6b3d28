import { config as loadDotenv } from 'dotenv';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { openStorage, StorageError } from './storage.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.kieApiKey] });
  const storage = await openStorage(config.storageUrl);
  logger.info({ store: storage.kind }, 'storage ready');
  const app = createApp({ config, logger, storage });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down; open jobs stay in the ledger');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app
      .stop()
      .then(() => storage.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

  await app.start();
}

main().catch((error: unknown) => {
  // Configuration and storage problems are the operator's to fix: one line, no stack, no secret.
  if (error instanceof ConfigError || error instanceof StorageError) {
    console.error(`imagine: ${error.message}`);
  } else {
    console.error(`imagine: could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
