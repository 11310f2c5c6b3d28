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
 *
 * The port was free a moment before the server binds it, so another test's (or another checkout's) server
 * may take it first: then ours cannot bind and exits, while theirs answers on the port. A server counts as
 * ours only when the one answering has our process's id; else another port is tried.
 */
export async function startRedisServer(pickPort: () => Promise<number> = freePort): Promise<OwnRedisServer | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await startOnPort(await pickPort());
    if (started !== 'port taken') return started;
  }
  return undefined;
}

async function startOnPort(port: number): Promise<OwnRedisServer | 'port taken' | undefined> {
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
  for (let check = 0; check < 100; check++) {
    const pid = await redisProcessId('127.0.0.1', port);
    if (pid !== undefined && pid === child.pid) return { url: `redis://127.0.0.1:${port}`, stop: () => stop(child) };
    if (pid !== undefined || child.exitCode !== null) {
      // Someone else's server has the port (and ours, if still starting, cannot have it).
      await stop(child);
      return 'port taken';
    }
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

/** The process id of the Redis answering on a port (from `INFO server`), or undefined when none answers. */
export function redisProcessId(host: string, port: number, timeoutMs = 500): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = '';
    const finish = (pid: number | undefined) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.on('error', () => finish(undefined));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.startsWith('-')) return finish(undefined);
      const pid = /\r\nprocess_id:(\d+)\r\n/.exec(reply)?.[1];
      if (pid !== undefined) finish(Number(pid));
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
