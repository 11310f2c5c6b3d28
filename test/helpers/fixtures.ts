import { test as base } from 'vitest';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';
import { startRestartableBot, type RestartableBot } from './restartable-bot.js';
import { createTempDir, type TempDir } from './tmp.js';

export interface Fixtures {
  /** Registers teardown work; it runs after the test, last registered first, even when the test failed. */
  defer: (cleanup: () => Promise<unknown>) => void;
  /** Starts a bot in this process; each one started is closed after the test. */
  bot: (options?: HarnessOptions) => Promise<Harness>;
  /** Starts the stage for bot processes that are killed and restarted; closed after the test. */
  restartableBot: (options?: Parameters<typeof startRestartableBot>[0]) => Promise<RestartableBot>;
  /** A fresh temporary folder, removed after the test. */
  tempDir: (label?: string) => Promise<TempDir>;
}

/** `it` with the fixtures above: a test asks for what it uses, and whatever it started is stopped. */
export const it = base.extend<Fixtures>({
  // vitest reads a fixture's dependencies from the destructuring of its first parameter: none here.
  // eslint-disable-next-line no-empty-pattern
  defer: async ({}, use) => {
    const cleanups: Array<() => Promise<unknown>> = [];
    await use((cleanup) => void cleanups.push(cleanup));
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'several teardowns failed');
  },
  bot: async ({ defer }, use) => {
    await use(async (options) => {
      const harness = await startHarness(options);
      defer(() => harness.close());
      return harness;
    });
  },
  restartableBot: async ({ defer }, use) => {
    await use(async (options) => {
      const rig = await startRestartableBot(options);
      defer(() => rig.close());
      return rig;
    });
  },
  tempDir: async ({ defer }, use) => {
    await use(async (label) => {
      const dir = await createTempDir(label);
      defer(() => dir.remove());
      return dir;
    });
  },
});
