// Child process for the cross-process quota tests (not a test file itself).
// Usage: node --import tsx quota-worker.ts <storage-url> <key-prefix> <guild> <user> <day> <limit> <count> [guild-cap]
// With a guild cap, reserve number i is for member `<user>-<i>` (distinct members racing for the server cap).
// Prints 'ready' once the store is open, waits for 'go' on stdin (the start barrier), fires all
// reserves at once, then prints {"granted":N,"refused":M} and exits.
import { createInterface } from 'node:readline';
import { openStorage } from '../../src/storage/index.js';

const [url, keyPrefix, guildId, userId, day, limitText, countText, guildCapText] = process.argv.slice(2);
if (!url || keyPrefix === undefined || !guildId || !userId || !day || !limitText || !countText) {
  console.error('usage: quota-worker.ts <storage-url> <key-prefix> <guild> <user> <day> <limit> <count> [guild-cap]');
  process.exit(2);
}

const storage = await openStorage(url, { keyPrefix });
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on('line', (line) => line.trim() === 'go' && resolve()));
process.stdout.write('ready\n');
await go;
lines.close();

const guildCap = guildCapText === undefined ? undefined : Number(guildCapText);
const scopeOf = (index: number) => ({ guildId, userId: guildCap === undefined ? userId : `${userId}-${index}`, day });
const results = await Promise.all(
  Array.from({ length: Number(countText) }, (_, index) => storage.counters.reserve(scopeOf(index), Number(limitText), guildCap)),
);
const granted = results.filter((result) => result.granted).length;
process.stdout.write(`${JSON.stringify({ granted, refused: results.length - granted })}\n`);
await storage.close();
