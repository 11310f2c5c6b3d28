import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admit } from '../../src/jobs/admission.js';
import { GuildSettingsStore } from '../../src/policy/settings-store.js';
import { QuotaService } from '../../src/quota/quota-service.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

const GUILD = 'guild-1';
const NOW = Date.parse('2024-03-10T12:00:00Z');
const MIDNIGHT = Date.parse('2024-03-11T00:00:00Z');

describe('admission: which quota refused (on a real SQLite file)', () => {
  let dir: TempDir;
  let storage: Storage;
  let settings: GuildSettingsStore;
  let deps: Parameters<typeof admit>[0] & { quota: QuotaService };

  beforeEach(async () => {
    dir = await createTempDir('admission');
    storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    settings = new GuildSettingsStore(storage.kv, { cacheTtlMs: 0 });
    deps = { settings, quota: new QuotaService({ counter: storage.counters, settings, defaultDaily: 2, clock: { now: () => NOW } }) };
  });
  afterEach(async () => {
    await storage.close();
    await dir.remove();
  });

  const admitMember = (userId: string, where: { channelId?: string; roleIds?: string[] } = {}) =>
    admit(deps, { guildId: GUILD, userId, roleIds: where.roleIds ?? [], channelId: where.channelId ?? 'general', prompt: 'a lighthouse' });

  it("maps the server cap to server_cap_reached with the cap and tomorrow's reset", async () => {
    await settings.setDailyCap(GUILD, 2);
    expect(await admitMember('a')).toMatchObject({ admitted: true });
    expect(await admitMember('b')).toMatchObject({ admitted: true });
    expect(await admitMember('c')).toEqual({ admitted: false, refusal: { code: 'server_cap_reached', cap: 2, resetsAt: MIDNIGHT } });
    expect((await deps.quota.reserve(GUILD, 'c')).status.used).toBe(0);
  });

  it("maps the member's own limit to quota_exceeded, also when the server cap is reached too", async () => {
    await settings.setDailyCap(GUILD, 2);
    await admitMember('a');
    await admitMember('a');
    expect(await admitMember('a')).toEqual({
      admitted: false,
      refusal: { code: 'quota_exceeded', quota: expect.objectContaining({ used: 2, limit: 2, resetsAt: MIDNIGHT }) },
    });
  });

  it('admits past the old cap once an admin removes it', async () => {
    await settings.setDailyCap(GUILD, 1);
    await admitMember('a');
    expect(await admitMember('b')).toMatchObject({ admitted: false, refusal: { code: 'server_cap_reached' } });
    await settings.setDailyCap(GUILD, undefined);
    expect(await admitMember('b')).toMatchObject({ admitted: true });
  });

  it('refuses outside the allowed channels, before any unit is reserved, and not for a button pressed in a DM', async () => {
    await settings.allowChannel(GUILD, 'art');
    expect(await admitMember('a')).toEqual({ admitted: false, refusal: { code: 'wrong_channel', allowed: ['art'] } });
    expect(await storage.counters.used({ guildId: GUILD, userId: 'a', day: '2024-03-10' })).toBe(0);
    expect(await admitMember('a', { channelId: 'art' })).toMatchObject({ admitted: true });
    expect(await admit(deps, { guildId: GUILD, userId: 'a', roleIds: [], channelId: undefined, prompt: 'from a DM' })).toMatchObject({ admitted: true });
  });

  it("admits in a thread of an allowed channel, asking for the thread's parent only when the channel is not listed", async () => {
    await settings.allowChannel(GUILD, 'art');
    const asked: string[] = [];
    const inThread = (channelId: string, parent: string | undefined) =>
      admit(deps, {
        guildId: GUILD,
        userId: 'a',
        roleIds: [],
        channelId,
        parentChannelId: () => (asked.push(channelId), Promise.resolve(parent)),
        prompt: 'a lighthouse',
      });
    expect(await inThread('art-thread', 'art')).toMatchObject({ admitted: true });
    expect(await inThread('general-thread', 'general')).toEqual({ admitted: false, refusal: { code: 'wrong_channel', allowed: ['art'] } });
    expect(await inThread('general', undefined)).toMatchObject({ admitted: false, refusal: { code: 'wrong_channel' } });
    expect(await inThread('art', undefined)).toMatchObject({ admitted: true });
    expect(asked).toEqual(['art-thread', 'general-thread', 'general']);
  });

  it("reserves against the member's highest role limit", async () => {
    await settings.setRoleLimit(GUILD, 'artists', 3);
    for (let i = 0; i < 3; i += 1) expect(await admitMember('a', { roleIds: ['artists'] })).toMatchObject({ admitted: true });
    expect(await admitMember('a', { roleIds: ['artists'] })).toMatchObject({ admitted: false, refusal: { code: 'quota_exceeded', quota: { limit: 3 } } });
  });
});
