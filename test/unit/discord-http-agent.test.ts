import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDiscordHttpAgent, createDiscordHttpAgent } from '../../src/discord/http-agent.js';

/** A server that answers after `delayMs`, or never when it is undefined; `answeredAt` is when it did. */
async function startServer(delayMs: number | undefined): Promise<{ server: Server; origin: string; answeredAt: () => number | undefined }> {
  let answeredAt: number | undefined;
  const server = createServer((_req, res) => {
    if (delayMs !== undefined) {
      setTimeout(() => {
        answeredAt = Date.now();
        res.end('ok');
      }, delayMs);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, answeredAt: () => answeredAt };
}

describe('closeDiscordHttpAgent', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('lets a request in flight finish within the grace period', async () => {
    const started = await startServer(200);
    server = started.server;
    const agent = createDiscordHttpAgent();
    const response = agent.request({ origin: started.origin, path: '/', method: 'GET' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await closeDiscordHttpAgent(agent, 5_000);
    // The server answers 200 ms after the request came in: the close waited for that answer.
    expect(started.answeredAt()).toBeDefined();
    expect(agent.closed).toBe(true);
    const answered = await response;
    expect(answered.statusCode).toBe(200);
    expect(await answered.body.text()).toBe('ok');
  });

  it('stops waiting for a request that outlasts the grace period', async () => {
    const started = await startServer(undefined);
    server = started.server;
    const agent = createDiscordHttpAgent();
    const response = agent.request({ origin: started.origin, path: '/', method: 'GET' });
    response.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const before = Date.now();
    await closeDiscordHttpAgent(agent, 100);
    const waited = Date.now() - before;
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(waited).toBeLessThan(1_000);
    expect(agent.closed).toBe(true);
  });
});
