import { chmod, stat } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it, onTestFinished } from 'vitest';
import { StorageError } from '../../src/storage/index.js';
import { openSqliteDatabase, SqliteError, type SqliteDatabase } from '../../src/storage/sqlite-database.js';
import { rejectionOf } from '../helpers/rejection.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

async function tempDir(): Promise<TempDir> {
  const dir = await createTempDir('sqlite-db');
  onTestFinished(() => dir.remove());
  return dir;
}

async function open(file: string, busyTimeoutMs?: number): Promise<SqliteDatabase> {
  const db = await openSqliteDatabase(file, { busyTimeoutMs });
  onTestFinished(() => db.close());
  return db;
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** A database (table `t`, busy timeout 200 ms) whose write lock another connection holds until `release`. */
async function lockedByAnother(): Promise<{ db: SqliteDatabase; release: () => void }> {
  const dir = await tempDir();
  const file = dir.file('bot.sqlite');
  const db = await open(file, 200);
  await db.query('CREATE TABLE t (x INTEGER)');
  const other = new DatabaseSync(file);
  onTestFinished(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  return { db, release: () => other.exec('ROLLBACK') };
}

describe('openSqliteDatabase', () => {
  it('makes a new folder 0700 and the database, its WAL and shared memory 0600 (they hold interaction tokens)', async () => {
    const dir = await tempDir();
    const file = dir.file('data/nested/bot.sqlite');
    const db = await open(file);
    await db.query('CREATE TABLE t (x TEXT)');
    await db.query('INSERT INTO t (x) VALUES (?)', 'token');
    expect(await modeOf(dir.file('data'))).toBe(0o700);
    expect(await modeOf(dir.file('data/nested'))).toBe(0o700);
    for (const name of [file, `${file}-wal`, `${file}-shm`]) expect(await modeOf(name)).toBe(0o600);
  });

  it('makes an existing database and its WAL files 0600 when it opens them', async () => {
    const dir = await tempDir();
    const file = dir.file('bot.sqlite');
    const first = new DatabaseSync(file);
    first.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x TEXT); INSERT INTO t VALUES (1)');
    onTestFinished(() => first.close());
    for (const name of [file, `${file}-wal`, `${file}-shm`]) await chmod(name, 0o644);
    const db = await open(file);
    expect(await db.query('SELECT x FROM t')).toEqual([{ x: '1' }]);
    for (const name of [file, `${file}-wal`, `${file}-shm`]) expect(await modeOf(name)).toBe(0o600);
  });

  it('leaves the mode of a folder it did not create alone', async () => {
    const dir = await tempDir();
    await chmod(dir.path, 0o755);
    await open(dir.file('bot.sqlite'));
    expect(await modeOf(dir.path)).toBe(0o755);
  });

  it('says in one line which Node it needs when the running one has no node:sqlite', async () => {
    const dir = await tempDir();
    const missing = () => Promise.reject(Object.assign(new Error('No such built-in module: node:sqlite'), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' }));
    const error = await rejectionOf(openSqliteDatabase(dir.file('bot.sqlite'), { loadDriver: missing }), StorageError);
    expect(error.message).toBe(`sqlite:// needs Node.js 24 or newer (its built-in node:sqlite); this is Node.js ${process.versions.node}`);
  });

  it('waits for another connection to release the write lock, without blocking the event loop', async () => {
    const dir = await tempDir();
    const file = dir.file('bot.sqlite');
    const db = await open(file);
    await db.query('CREATE TABLE t (x INTEGER)');
    const other = new DatabaseSync(file);
    onTestFinished(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    // The lock is released by a timer of this same event loop: were the wait one blocking call, the timer
    // could not fire before the 5 s busy timeout and the insert would fail with SQLITE_BUSY.
    setTimeout(() => other.exec('COMMIT'), 300);
    const started = Date.now();
    await db.query('INSERT INTO t (x) VALUES (1)');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await db.query('SELECT x FROM t')).toEqual([{ x: 1 }]);
  });

  it('gives up with SQLITE_BUSY once the busy timeout has passed', async () => {
    const { db, release } = await lockedByAnother();
    const error = await rejectionOf(db.query('INSERT INTO t (x) VALUES (1)'), SqliteError);
    release();
    expect(error.code).toBe('SQLITE_BUSY');
  });

  it('reports SQLite failures with their result code, and a closed database as SQLITE_MISUSE', async () => {
    const dir = await tempDir();
    const db = await open(dir.file('bot.sqlite'));
    await db.query('CREATE TABLE t (x INTEGER PRIMARY KEY)');
    await db.query('INSERT INTO t (x) VALUES (1)');
    expect((await rejectionOf(db.query('INSERT INTO t (x) VALUES (1)'), SqliteError)).code).toBe('SQLITE_CONSTRAINT');
    expect((await rejectionOf(db.query('SELEC 1'), SqliteError)).code).toBe('SQLITE_ERROR');
    await db.close();
    expect((await rejectionOf(db.query('SELECT 1'), SqliteError)).code).toBe('SQLITE_MISUSE');
  });

  it('commits the grouped statements of one tick together, each all or nothing', async () => {
    const dir = await tempDir();
    const db = await open(dir.file('bot.sqlite'));
    await db.query('CREATE TABLE t (x INTEGER PRIMARY KEY)');
    await db.query('PRAGMA wal_checkpoint(TRUNCATE)');
    const outcomes = await Promise.allSettled([
      db.queryGrouped('INSERT INTO t (x) VALUES (1) RETURNING x'),
      db.queryGrouped('INSERT INTO t (x) VALUES (1)'),
      db.queryGrouped('INSERT INTO t (x) VALUES (?), (?), (1)', 2, 3),
      ...Array.from({ length: 50 }, (_, i) => db.queryGrouped('INSERT INTO t (x) VALUES (?)', 100 + i)),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: [{ x: 1 }] });
    expect(outcomes.slice(1, 3).map((outcome) => outcome.status === 'rejected' && (outcome.reason as SqliteError).code)).toEqual(['SQLITE_CONSTRAINT', 'SQLITE_CONSTRAINT']);
    // The failed statements changed nothing (not even the first two rows of the three-row insert); the others all count.
    expect(await db.query('SELECT COUNT(*) AS n, SUM(x IN (2, 3)) AS partial FROM t')).toEqual([{ n: 51, partial: 0 }]);
    // One commit: the 51 rows share a page, written to the log once, where a commit each would write it 51 times.
    const [grouped] = (await db.query('PRAGMA wal_checkpoint(TRUNCATE)')) as Array<{ log: number }>;
    for (let i = 0; i < 51; i += 1) await db.query('INSERT INTO t (x) VALUES (?)', 200 + i);
    const [alone] = (await db.query('PRAGMA wal_checkpoint(PASSIVE)')) as Array<{ log: number }>;
    expect(grouped!.log).toBeLessThan(5);
    expect(alone!.log).toBeGreaterThanOrEqual(51);
  });

  it('fails every grouped statement, changing nothing, when the write lock stays taken past the busy timeout', async () => {
    const { db, release } = await lockedByAnother();
    const outcomes = await Promise.allSettled([db.queryGrouped('INSERT INTO t (x) VALUES (1)'), db.queryGrouped('INSERT INTO t (x) VALUES (2)')]);
    release();
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as SqliteError).code)).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY']);
    expect(await db.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 0 }]);
    // The connection is left usable: the next group commits.
    await db.queryGrouped('INSERT INTO t (x) VALUES (3)');
    expect(await db.query('SELECT x FROM t')).toEqual([{ x: 3 }]);
  });

  it('binds undefined as NULL and booleans as 1 and 0, and returns plain objects', async () => {
    const dir = await tempDir();
    const db = await open(dir.file('bot.sqlite'));
    const [row] = await db.query('SELECT ? AS a, ? AS b, ? AS c', undefined, true, false);
    expect(row).toStrictEqual({ a: null, b: 1, c: 0 });
  });
});
