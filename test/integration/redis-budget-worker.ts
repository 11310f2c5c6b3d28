// Child process for the cross-process KIE budget test (not a test file itself).
// Usage: node --import tsx redis-budget-worker.ts <redis-url> <key> <limit> <window-ms> <count>
// Prints 'ready' once connected, waits for 'go' on stdin (the start barrier), asks for all grants at once,
// then prints {"grants":[epoch ms of each grant]} and exits.
import { createInterface } from 'node:readline';
import { createClient } from '@keyv/redis';
import { RedisSlidingWindowBudget } from '../../src/kie/redis-budget.js';

const [url, key, limitText, windowText, countText] = process.argv.slice(2);
if (!url || !key || !limitText || !windowText || !countText) {
  console.error('usage: redis-budget-worker.ts <redis-url> <key> <limit> <window-ms> <count>');
  process.exit(2);
}

const redis = createClient({ url });
redis.on('error', () => {});
await redis.connect();
const budget = new RedisSlidingWindowBudget({ redis, key, limit: Number(limitText), windowMs: Number(windowText) });
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on('line', (line) => line.trim() === 'go' && resolve()));
process.stdout.write('ready\n');
await go;
lines.close();

const grants = await Promise.all(Array.from({ length: Number(countText) }, () => budget.acquire().then(() => Date.now())));
process.stdout.write(`${JSON.stringify({ grants })}\n`);
await redis.close();
