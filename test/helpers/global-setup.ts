import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis the tests may use (each under its own key prefix), or null when none could be had. */
    redisUrl: string | null;
  }
}

const DEFAULT_REDIS = { host: '127.0.0.1', port: 6379 };

/**
 * Finds a Redis for the integration tests: REDIS_URL if set, else one on 127.0.0.1:6379, else a
 * throwaway redis-server on a free loopback port (stopped in teardown). Without any, Redis tests skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = await findTestRedis();
  if (found.url === null && process.env.IMAGINE_REQUIRE_REDIS === '1') {
    throw new Error('IMAGINE_REQUIRE_REDIS=1 but no Redis could be found or started: the Redis tests must not skip here');
  }
  project.provide('redisUrl', found.url);
  return found.stop;
}

export async function findTestRedis(
  env: NodeJS.ProcessEnv = process.env,
  probe: { host: string; port: number } = DEFAULT_REDIS,
): Promise<{ url: string | null; stop: () => Promise<void> }> {
  const nothingToStop = async () => {};
  const fromEnv = env.REDIS_URL?.trim();
  if (fromEnv) return { url: fromEnv, stop: nothingToStop };
  if (await answersPing(probe.host, probe.port)) return { url: `redis://${probe.host}:${probe.port}`, stop: nothingToStop };
  const started = await startRedisServer();
  if (started !== undefined) return { url: started.url, stop: () => stop(started.process) };
  console.warn(
    [
      '',
      '#'.repeat(72),
      `#  NO REDIS: REDIS_URL is unset, nothing answers on ${probe.host}:${probe.port} and`,
      '#  redis-server could not be started. The Redis integration tests are SKIPPED.',
      '#'.repeat(72),
      '',
    ].join('\n'),
  );
  return { url: null, stop: nothingToStop };
}

async function startRedisServer(): Promise<{ url: string; process: ChildProcess } | undefined> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  // events.once rejects when 'error' comes first (e.g. ENOENT: redis-server is not installed).
  const spawned = await once(child, 'spawn').then(
    () => true,
    () => false,
  );
  if (!spawned) return undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await answersPing('127.0.0.1', port)) return { url: `redis://127.0.0.1:${port}`, process: child };
    if (child.exitCode !== null) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop(child);
  return undefined;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

function answersPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

