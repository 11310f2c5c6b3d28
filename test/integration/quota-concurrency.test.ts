import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage.js';
import { deleteKeysWithPrefix, openTestRedisStorage, redisTestUrl, uniqueKeyPrefix, type TestRedisStorage } from '../helpers/redis.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

const WORKER = fileURLToPath(new URL('./quota-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCOPE = { guildId: 'g-race', userId: 'u-race', day: '2024-03-10' };
const LIMIT = 3;

interface Worker {
  process: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  result: Promise<{ granted: number; refused: number }>;
}

const children: ChildProcessWithoutNullStreams[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startWorker(url: string, keyPrefix: string, count: number): Worker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER, url, keyPrefix, SCOPE.guildId, SCOPE.userId, SCOPE.day, String(LIMIT), String(count)],
    { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<never>((_, reject) =>
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before answering: ${stderr.trim()}`))),
  );
  const nextLine = () => Promise.race([new Promise<string>((resolve) => lines.once('line', resolve)), exited]);
  const ready = nextLine().then((line) => expect(line).toBe('ready'));
  const result = ready.then(nextLine).then((line) => JSON.parse(line) as { granted: number; refused: number });
  // Either promise may be left unawaited when the other fails first.
  ready.catch(() => {});
  result.catch(() => {});
  return { process: child, ready: ready.then(() => undefined), result };
}

/** Two processes each fire `perProcess` reserves at the same member at once, after a common start signal. */
async function raceTwoProcesses(url: string, keyPrefix: string, perProcess: number): Promise<number[]> {
  const workers = [startWorker(url, keyPrefix, perProcess), startWorker(url, keyPrefix, perProcess)];
  await Promise.all(workers.map((worker) => worker.ready));
  for (const worker of workers) worker.process.stdin.write('go\n');
  const results = await Promise.all(workers.map((worker) => worker.result));
  for (const result of results) expect(result.granted + result.refused).toBe(perProcess);
  return results.map((result) => result.granted);
}

async function fiftyAtOnce(storages: Storage[]): Promise<number> {
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, index) => storages[index % storages.length]!.counters.reserve(SCOPE, LIMIT)),
  );
  return results.filter((result) => result.granted).length;
}

describe('quota reserve under concurrency: SQLite', () => {
  let dir: TempDir;
  const useTempDir = async () => {
    const created = await createTempDir();
    dir = created;
    cleanups.push(() => created.remove());
  };
  const openFile = async () => {
    const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    cleanups.push(() => storage.close());
    return storage;
  };

  it('grants exactly 3 of 50 concurrent reserves in one process', async () => {
    await useTempDir();
    const storage = await openFile();
    expect(await fiftyAtOnce([storage])).toBe(LIMIT);
    expect(await storage.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly 3 of 50 spread over two connections to the same file', async () => {
    await useTempDir();
    const storages = [await openFile(), await openFile()];
    expect(await fiftyAtOnce(storages)).toBe(LIMIT);
    expect(await storages[0]!.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly 3 of 2 × 25 reserves from two processes sharing the file', async () => {
    await useTempDir();
    const url = `sqlite://${dir.file('bot.sqlite')}`;
    const granted = await raceTwoProcesses(url, 'imagine:', 25);
    expect(granted[0]! + granted[1]!).toBe(LIMIT);
    const storage = await openFile();
    expect(await storage.counters.used(SCOPE)).toBe(LIMIT);
  });
});

describe.skipIf(redisTestUrl() === undefined)('quota reserve under concurrency: Redis', () => {
  const openRedis = async (keyPrefix?: string): Promise<TestRedisStorage> => {
    const opened = await openTestRedisStorage(keyPrefix);
    cleanups.push(() => opened.close());
    return opened;
  };

  it('grants exactly 3 of 50 concurrent reserves in one process', async () => {
    const { storage } = await openRedis();
    expect(await fiftyAtOnce([storage])).toBe(LIMIT);
    expect(await storage.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly 3 of 50 spread over two connections', async () => {
    const first = await openRedis();
    const second = await openStorage(redisTestUrl()!, { keyPrefix: first.keyPrefix });
    cleanups.push(() => second.close());
    expect(await fiftyAtOnce([first.storage, second])).toBe(LIMIT);
    expect(await first.storage.counters.used(SCOPE)).toBe(LIMIT);
  });

  it('grants exactly 3 of 2 × 25 reserves from two processes sharing one Redis', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const { storage, redis } = await openRedis(keyPrefix);
    const granted = await raceTwoProcesses(redisTestUrl()!, keyPrefix, 25);
    expect(granted[0]! + granted[1]!).toBe(LIMIT);
    expect(await storage.counters.used(SCOPE)).toBe(LIMIT);
    expect(await deleteKeysWithPrefix(redis, keyPrefix)).toBe(1);
  });
});
