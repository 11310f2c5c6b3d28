/**
 * The whole environment of a process a test starts: what any program needs to run (PATH, HOME, NODE_OPTIONS,
 * the locale and TMPDIR), never the rest of the test runner's environment (an owner's REDIS_URL, STORAGE_URL
 * or tokens), plus ENV_FILE=none so the bot reads no `.env` from the project folder; then the test's own.
 */
export function childEnv(own: Record<string, string> = {}): Record<string, string> {
  const basics: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  for (const name of ['NODE_OPTIONS', 'LANG', 'LC_ALL', 'TMPDIR'] as const) {
    const value = process.env[name];
    if (value !== undefined) basics[name] = value;
  }
  return { ...basics, ENV_FILE: 'none', ...own };
}
