import * as vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import { Keyv } from 'keyv';
import { openStorage } from '../../src/storage/index.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database.js';
import { SqliteKeyvStore } from '../../src/storage/sqlite-keyv-store.js';
import { sqliteOf } from '../helpers/storage.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

// Keyv's own compliance suite (the one every official store passes), on a store over a real file.
describe('SqliteKeyvStore: @keyv/test-suite', () => {
  let dir: TempDir;
  let db: SqliteDatabase;
  beforeAll(async () => {
    dir = await createTempDir('keyv-suite');
    db = await openSqliteDatabase(dir.file('keyv.sqlite'));
  });
  afterAll(async () => {
    await db.close();
    await dir.remove();
  });
  const store = () => new SqliteKeyvStore(db);
  keyvTestSuite(vitest, Keyv, store);
  keyvIteratorTests(vitest, Keyv, store);
});

describe('SqliteKeyvStore', () => {
  async function openDb(): Promise<SqliteDatabase> {
    const dir = await createTempDir('keyv-store');
    const db = await openSqliteDatabase(dir.file('bot.sqlite'));
    onTestFinished(async () => {
      await db.close();
      await dir.remove();
    });
    return db;
  }

  it('deletes expired entries of every namespace and keeps the live ones', async () => {
    const db = await openDb();
    let now = 1_000_000;
    const store = new SqliteKeyvStore(db, { now: () => now });
    await store.set('a:short', 'x', 1000);
    await store.set('b:short', 'x', 1000);
    await store.set('a:long', 'x', 60_000);
    await store.set('a:forever', 'x');
    expect(await store.deleteExpired()).toBe(0);
    now += 1000;
    expect(await store.get('a:short')).toBeUndefined();
    expect(await store.deleteExpired()).toBe(2);
    const left = (await db.query('SELECT key FROM keyv ORDER BY key')).map((row) => (row as { key: string }).key);
    expect(left).toEqual(['a:forever', 'a:long']);
  });

  it('reads a table written by @keyv/sqlite (no expires column) and learns the expiry inside its values', async () => {
    const db = await openDb();
    await db.query('CREATE TABLE keyv(key VARCHAR(255) PRIMARY KEY, value TEXT )');
    await db.query('INSERT INTO keyv (key, value) VALUES (?, ?)', 'imagine:settings:g1', JSON.stringify({ value: { banned: ['x'] } }));
    await db.query('INSERT INTO keyv (key, value) VALUES (?, ?)', 'imagine:edit:old', JSON.stringify({ value: 'gone', expires: 5 }));
    const kv = new Keyv({ store: new SqliteKeyvStore(db), namespace: 'imagine:settings' });
    expect(await kv.get('g1')).toEqual({ banned: ['x'] });
    expect(await new SqliteKeyvStore(db).deleteExpired()).toBe(1);
    expect(await db.query('SELECT key FROM keyv')).toEqual([{ key: 'imagine:settings:g1' }]);
  });

  it('clears only its own namespace, even one with LIKE wildcards in it', async () => {
    const db = await openDb();
    const mine = new Keyv({ store: new SqliteKeyvStore(db), namespace: 'a_b%' });
    const other = new Keyv({ store: new SqliteKeyvStore(db), namespace: 'aXbY' });
    await mine.set('k', 1);
    await other.set('k', 2);
    await mine.clear();
    expect(await mine.get('k')).toBeUndefined();
    expect(await other.get('k')).toBe(2);
  });

  it('iterates past one page of entries', async () => {
    const db = await openDb();
    const kv = new Keyv({ store: new SqliteKeyvStore(db), namespace: 'many' });
    for (let i = 0; i < 250; i++) await kv.set(`k${String(i).padStart(3, '0')}`, i);
    const seen: unknown[] = [];
    for await (const [, value] of kv.iterator!(undefined)) seen.push(value);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
  });

  it('is what a SQLite storage prunes: expired edit sources go, settings stay', async () => {
    const dir = await createTempDir('keyv-prune');
    onTestFinished(() => dir.remove());
    const storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    onTestFinished(() => storage.close());
    await storage.kv.set('edit:1', 'source', 1);
    await storage.kv.set('guild:1', { banned: [] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await storage.pruneExpiredValues()).toBe(1);
    const keys = (await sqliteOf(storage).query('SELECT key FROM keyv')).map((row) => (row as { key: string }).key);
    expect(keys).toEqual(['imagine:settings:guild:1']);
  });
});
