import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { freePort } from './ports.js';

export interface OwnRedisServer {
  readonly url: string;
  /** Stops the server; it kept nothing on disk. */
  stop(): Promise<void>;
}

/**
 * Starts a `redis-server` from PATH on a free loopback port, with no persistence (no RDB, no AOF, no
 * working files), for tests that need a Redis of their own. Resolves to undefined when there is no
 * redis-server or it does not answer within 5 s.
 */
export async function startRedisServer(): Promise<OwnRedisServer | undefined> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp', '--logfile', ''],
    { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  );
  // events.once rejects when 'error' comes first (e.g. ENOENT: redis-server is not installed).
  const spawned = await once(child, 'spawn').then(
    () => true,
    () => false,
  );
  if (!spawned) return undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await answersPing('127.0.0.1', port)) return { url: `redis://127.0.0.1:${port}`, stop: () => stop(child) };
    if (child.exitCode !== null) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
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

export function answersPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
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

/**
 * A whole Redis for bot processes that use the default key prefix and so cannot share the test Redis:
 * started for the test and stopped after it, so nothing is ever flushed.
 */
export async function ownRedisServer(): Promise<OwnRedisServer> {
  const server = await startRedisServer();
  if (server === undefined) throw new Error('this test starts a redis-server of its own: put redis-server on PATH');
  return server;
}
