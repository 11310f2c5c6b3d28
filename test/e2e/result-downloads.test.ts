import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../../src/messages.js';
import { utcDay } from '../../src/quota/day.js';
import { GUILD_ID, MEMBER, startHarness, type Harness } from '../helpers/harness.js';

/**
 * KIE's result URL is the one place where a third party names a URL the bot fetches. Only KIE's own origin
 * (here the fake's http://127.0.0.1:port) and public https hosts are fetched, at every redirect hop.
 */
describe('result downloads, end to end', () => {
  let harness: Harness;
  let trap: Server;
  let trapPort: number;
  const trapHits: string[] = [];
  const used = () => harness.storage.counters.used({ guildId: GUILD_ID, userId: MEMBER.id, day: utcDay(Date.now()) });

  beforeAll(async () => {
    trap = createServer((req, res) => {
      trapHits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end('not really');
    });
    trap.listen(0, '127.0.0.1');
    await once(trap, 'listening');
    trapPort = (trap.address() as AddressInfo).port;
    harness = await startHarness({ env: { QUOTA_DAILY: '50' } });
  });

  afterAll(async () => {
    await harness?.close();
    trap.closeAllConnections();
    await new Promise<void>((resolve) => trap.close(() => resolve()));
  });

  const forbidden: { name: string; image: { redirectTo: string } | { url: string } }[] = [
    { name: 'a redirect to 127.0.0.1 on another port', image: { redirectTo: `http://127.0.0.1:${'PORT'}/stolen.png` } },
    { name: 'a redirect to https on 127.0.0.1', image: { redirectTo: `https://127.0.0.1:${'PORT'}/stolen.png` } },
    { name: 'a redirect to localhost by name', image: { redirectTo: `https://localhost:${'PORT'}/stolen.png` } },
    { name: 'a redirect to an IPv4-mapped loopback address', image: { redirectTo: `https://[::ffff:127.0.0.1]:${'PORT'}/stolen.png` } },
    { name: 'a redirect to a private address', image: { redirectTo: 'https://192.168.0.10/stolen.png' } },
    { name: 'a redirect to the cloud metadata address', image: { redirectTo: 'http://169.254.169.254/latest/meta-data/' } },
    { name: 'a redirect to plain http elsewhere', image: { redirectTo: 'http://example.com/stolen.png' } },
    { name: 'a result URL on another loopback port', image: { url: `http://127.0.0.1:${'PORT'}/stolen.png` } },
  ];

  it.each(forbidden)('$name: the job fails cleanly, the unit is refunded and nothing reaches the target', async ({ image }) => {
    const withPort = JSON.parse(JSON.stringify(image).replace('PORT', String(trapPort))) as typeof image;
    harness.kie.nextCreate({ scenario: { durationMs: 200, image: withPort } });
    const usedBefore = await used();
    const interaction = harness.imagine({ prompt: `a picture from ${JSON.stringify(withPort)}` });
    const started = Date.now();
    const message = await interaction.waitForOriginal((m) => m.content.includes(messages.imageUnavailable), 10_000);
    // Refused at once: no retries of a URL that can never be fetched.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(message.attachments).toHaveLength(0);
    await expect.poll(used).toBe(usedBefore);
    expect(trapHits).toEqual([]);
  });

  it('a redirect inside KIE\'s own origin is followed and delivers', async () => {
    const { kie } = harness;
    kie.nextCreate({ scenario: { durationMs: 200, image: { redirectTo: '/files/small/moved.png' } } });
    const interaction = harness.imagine({ prompt: 'a picture that moved' });
    const message = await interaction.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    expect(Buffer.compare(message.attachments[0]!.bytes, await kie.imageBytes('small'))).toBe(0);
    expect(kie.downloads.some((download) => download.path === '/files/small/moved.png')).toBe(true);
  });
});
