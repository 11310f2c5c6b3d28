import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openStorage, StorageError } from '../../src/storage/index.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { rejectionOf } from '../helpers/rejection.js';
import { sqliteOf } from '../helpers/storage.js';


async function tempDir(): Promise<TempDir> {
  const dir = await createTempDir();
  onTestFinished(() => dir.remove());
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  const storageError = await rejectionOf(promise, StorageError);
  expect(storageError.message).not.toContain('\n');
  return storageError;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A loopback server that accepts connections and never says a word. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('openStorage: URL checks', () => {
  it('rejects an unsupported scheme and says what to use', async () => {
    const error = await rejection(openStorage('mongo://user:pw@localhost/db'));
    expect(error.message).toBe('STORAGE_URL: unsupported scheme "mongo:" (use sqlite://PATH or redis://HOST:PORT)');
  });

  it('rejects text that is not a URL without echoing it', async () => {
    const error = await rejection(openStorage('data/bot.sqlite'));
    expect(error.message).toMatch(/^STORAGE_URL: not a URL/);
    expect(error.message).not.toContain('bot.sqlite');
  });

  it('rejects sqlite:// without a path', async () => {
    const error = await rejection(openStorage('sqlite://'));
    expect(error.message).toMatch(/needs a file path/);
  });
});

describe('openStorage: SQLite', () => {
  it('creates missing parent folders of a relative path and the file itself', async () => {
    const dir = await tempDir();
    const cwd = process.cwd();
    process.chdir(dir.path);
    try {
      const storage = await openStorage('sqlite://nested/deeper/bot.sqlite');
      onTestFinished(() => storage.close());
      expect(storage.kind).toBe('sqlite');
      expect(sqliteOf(storage)).toBeDefined();
      expect('redis' in storage).toBe(false);
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(dir.file('nested/deeper/bot.sqlite'))).toBe(true);
  });

  it('fails when a parent of the path is a regular file', async () => {
    const dir = await tempDir();
    await writeFile(dir.file('not-a-folder'), 'x');
    const error = await rejection(openStorage(`sqlite://${dir.file('not-a-folder/bot.sqlite')}`));
    expect(error.message).toMatch(/^STORAGE_URL: cannot create the folder for the SQLite database .*not-a-folder\/bot\.sqlite \(E[A-Z]+\)$/);
  });

  it('fails when the path is a folder', async () => {
    const dir = await tempDir();
    await mkdir(dir.file('a-folder'));
    const error = await rejection(openStorage(`sqlite://${dir.file('a-folder')}`));
    expect(error.message).toMatch(/^STORAGE_URL: cannot open the SQLite database .*a-folder \(SQLITE_CANTOPEN\)$/);
  });

  it('fails when the file is not a database', async () => {
    const dir = await tempDir();
    await writeFile(dir.file('junk.sqlite'), 'this is not a database, just text '.repeat(200));
    const error = await rejection(openStorage(`sqlite://${dir.file('junk.sqlite')}`));
    expect(error.message).toMatch(/^STORAGE_URL: cannot open the SQLite database .*junk\.sqlite \(SQLITE_NOTADB\)$/);
  });

  it('keeps settings and usage across a close and reopen (they are on disk, not in memory)', async () => {
    const dir = await tempDir();
    const url = `sqlite://${dir.file('bot.sqlite')}`;
    const scope = { guildId: 'g1', userId: 'u1', day: '2024-03-10' };

    const first = await openStorage(url);
    await first.kv.set('greeting', { text: 'hello', n: 3 });
    await first.counters.reserve(scope, 5);
    await first.counters.reserve(scope, 5);
    await first.close();

    const elsewhere = await openStorage(`sqlite://${dir.file('other.sqlite')}`);
    onTestFinished(() => elsewhere.close());
    expect(await elsewhere.kv.get('greeting')).toBeUndefined();
    expect(await elsewhere.counters.used(scope)).toBe(0);

    const second = await openStorage(url);
    onTestFinished(() => second.close());
    expect(await second.kv.get('greeting')).toEqual({ text: 'hello', n: 3 });
    expect(await second.counters.used(scope)).toBe(2);
  });

  it('close() may be called twice', async () => {
    const dir = await tempDir();
    const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    await storage.close();
    await expect(storage.close()).resolves.toBeUndefined();
  });
});

describe('openStorage: unreachable Redis', () => {
  it('fails fast with host:port and the reason, never the password', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await rejection(openStorage(`redis://admin:hunter2-s%40cret@127.0.0.1:${port}/2`));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.message).toBe(`STORAGE_URL: cannot reach Redis at 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(error.message).not.toMatch(/hunter2|s%40cret|s@cret/);
  });

  it('gives up on a server that accepts the connection but never answers', async () => {
    const port = await silentServer();
    const started = Date.now();
    const error = await rejection(openStorage(`redis://:topsecret@127.0.0.1:${port}`, { connectTimeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.message).toBe(`STORAGE_URL: cannot reach Redis at 127.0.0.1:${port} (no answer within 450 ms)`);
    expect(error.message).not.toContain('topsecret');
  });

  it('gives up on a TLS handshake that never completes (rediss://)', async () => {
    const port = await silentServer();
    const started = Date.now();
    const error = await rejection(openStorage(`rediss://:topsecret@127.0.0.1:${port}`, { connectTimeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.message).toMatch(new RegExp(`^STORAGE_URL: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(.+\\)$`));
    expect(error.message).not.toContain('topsecret');
  });

  it('rejects a Redis URL with a bad database number', async () => {
    const error = await rejection(openStorage('redis://127.0.0.1:6390/not-a-number'));
    expect(error.message).toMatch(/^STORAGE_URL: invalid URL for Redis at 127\.0\.0\.1:6390/);
  });
});
