import { writeFile } from 'node:fs/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { loadEnvFile } from '../../src/env-file.js';
import { childEnv } from '../helpers/child-env.js';
import { awayFromMidnight } from '../helpers/away-from-midnight.js';
import { findTestRedis } from '../helpers/global-setup.js';
import { redisProcessId, startRedisServer } from '../helpers/redis-server.js';
import { freePort } from '../helpers/ports.js';
import { createTempDir } from '../helpers/tmp.js';

const OWNERS = { REDIS_URL: 'redis://127.0.0.1:6390', STORAGE_URL: 'redis://127.0.0.1:6390/3' };

describe('the tests own their Redis', () => {
  it('start a redis-server of their own even when REDIS_URL and STORAGE_URL name the owner', async () => {
    let started = 0;
    const found = await findTestRedis({ ...OWNERS }, async () => {
      started += 1;
      return { url: 'redis://127.0.0.1:40001', stop: async () => {} };
    });
    expect(started).toBe(1);
    expect(found.url).toBe('redis://127.0.0.1:40001');
  });

  it('use the Redis handed to them in TEST_REDIS_URL and start none', async () => {
    const found = await findTestRedis({ ...OWNERS, TEST_REDIS_URL: 'redis://127.0.0.1:40002' }, () => {
      throw new Error('must not start one');
    });
    expect(found.url).toBe('redis://127.0.0.1:40002');
  });

  it('go without Redis, rather than fall back on the owner’s, when redis-server cannot start', async () => {
    const found = await findTestRedis({ ...OWNERS }, async () => undefined);
    expect(found.url).toBeNull();
  });

  it('never take another test’s redis-server for their own when it got the free port first', async ({ skip }) => {
    const theirs = await startRedisServer();
    if (theirs === undefined) return skip('no redis-server on PATH');
    onTestFinished(() => theirs.stop());
    const taken = Number(new URL(theirs.url).port);
    const picks = [taken, await freePort()];
    const ours = await startRedisServer(async () => picks.shift() ?? freePort());
    expect(ours).toBeDefined();
    onTestFinished(() => ours?.stop());
    expect(ours?.url).not.toBe(theirs.url);
    const port = Number(new URL(ours?.url ?? theirs.url).port);
    expect(await redisProcessId('127.0.0.1', port)).not.toBe(await redisProcessId('127.0.0.1', taken));
  });
});

describe('child processes of the tests', () => {
  it('get the basics and their own variables, never the runner’s others, and read no .env', () => {
    const before = { ...process.env };
    Object.assign(process.env, OWNERS, { DISCORD_TOKEN: 'owner-token' });
    onTestFinished(() => {
      for (const name of [...Object.keys(OWNERS), 'DISCORD_TOKEN']) if (!(name in before)) delete process.env[name];
      Object.assign(process.env, before);
    });
    const env = childEnv({ QUOTA_DAILY: '3' });
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.ENV_FILE).toBe('none');
    expect(env.QUOTA_DAILY).toBe('3');
    for (const name of ['REDIS_URL', 'STORAGE_URL', 'DISCORD_TOKEN']) expect(env).not.toHaveProperty(name);
  });
});

describe('loadEnvFile', () => {
  async function folderWithEnv(text: string): Promise<string> {
    const dir = await createTempDir('env-file');
    onTestFinished(() => dir.remove());
    await writeFile(dir.file('.env'), text);
    return dir.file('.env');
  }

  it('reads the file ENV_FILE names; variables already set win', async () => {
    const file = await folderWithEnv('QUOTA_DAILY=7\nLOG_LEVEL=trace\n');
    const env: NodeJS.ProcessEnv = { ENV_FILE: file, LOG_LEVEL: 'warn' };
    loadEnvFile(env);
    expect(env).toMatchObject({ QUOTA_DAILY: '7', LOG_LEVEL: 'warn' });
  });

  it('reads nothing with ENV_FILE=none, whatever .env holds', async () => {
    const file = await folderWithEnv('QUOTA_DAILY=0\n');
    const cwd = process.cwd();
    process.chdir(file.slice(0, -'/.env'.length));
    onTestFinished(() => process.chdir(cwd));
    const env: NodeJS.ProcessEnv = { ENV_FILE: 'none' };
    loadEnvFile(env);
    expect(env).toEqual({ ENV_FILE: 'none' });
  });

  it('refuses an ENV_FILE that does not exist, naming it', () => {
    expect(() => loadEnvFile({ ENV_FILE: '/nonexistent/imagine.env' })).toThrow(new ConfigError(['ENV_FILE names /nonexistent/imagine.env, which does not exist']));
  });
});

describe('awayFromMidnight (tests never straddle a UTC day)', () => {
  const at = (iso: string) => () => Date.parse(iso);

  it('lets a test start at once when midnight is further than the margin', async () => {
    const slept: number[] = [];
    expect(await awayFromMidnight(at('2026-12-07T23:57:00.000Z'), async (ms) => slept.push(ms))).toBe(0);
    expect(slept).toEqual([]);
  });

  it('waits until a second past midnight when it is nearer than the margin', async () => {
    const slept: number[] = [];
    expect(await awayFromMidnight(at('2026-12-07T23:59:00.000Z'), async (ms) => slept.push(ms))).toBe(61_000);
    expect(slept).toEqual([61_000]);
  });
});
