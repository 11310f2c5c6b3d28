// Child process for the cross-process policy test (not a test file itself).
// Usage: node --import tsx policy-change-worker.ts <storage-url> <key-prefix> <guild> <change>
// <change> is `pause` or `block:<userId>`. Prints 'ready' once its store is open, waits for 'go' on stdin,
// makes the change through its own settings store, prints {"changedAt":<ms>} and exits.
import { createInterface } from 'node:readline';
import { GuildSettingsStore } from '../../src/policy/settings-store.js';
import { openStorage } from '../../src/storage/index.js';

const [url, keyPrefix, guildId, change] = process.argv.slice(2);
if (!url || keyPrefix === undefined || !guildId || !change) {
  console.error('usage: policy-change-worker.ts <storage-url> <key-prefix> <guild> <pause|block:<userId>>');
  process.exit(2);
}

const storage = await openStorage(url, { keyPrefix });
const settings = new GuildSettingsStore(storage.kv);
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on('line', (line) => line.trim() === 'go' && resolve()));
process.stdout.write('ready\n');
await go;
lines.close();

if (change === 'pause') await settings.setPaused(guildId, true);
else await settings.setBlocked(guildId, change.slice('block:'.length), true);
process.stdout.write(`${JSON.stringify({ changedAt: Date.now() })}\n`);
settings.close();
await storage.close();
