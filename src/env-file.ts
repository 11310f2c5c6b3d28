import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { ConfigError } from './config.js';

/**
 * Reads the settings file into the environment; variables already set win. ENV_FILE names the file
 * (default `.env` in the working directory, skipped when absent); ENV_FILE=none reads no file, which the
 * tests' child bots use so that an owner's `.env` in the project never reaches them.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env): void {
  const named = env.ENV_FILE?.trim();
  if (named === 'none') return;
  if (named && !existsSync(named)) throw new ConfigError([`ENV_FILE names ${named}, which does not exist`]);
  loadDotenv({ quiet: true, processEnv: env as Record<string, string>, ...(named ? { path: named } : {}) });
}
