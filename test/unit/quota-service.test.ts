import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { GuildSettingsStore, SettingsError } from '../../src/policy/settings-store.js';
import { QuotaService } from '../../src/quota/quota-service.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

class FakeClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

const G = 'guild-1';
const at = (iso: string) => Date.parse(iso);

describe('QuotaService (on a real SQLite file)', () => {
  let dir: TempDir;
  let storage: Storage;
  let settings: GuildSettingsStore;
  let clock: FakeClock;
  let quota: QuotaService;

  beforeEach(async () => {
    dir = await createTempDir();
    storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    settings = new GuildSettingsStore(storage.kv);
    clock = new FakeClock(at('2024-03-10T12:00:00Z'));
    quota = new QuotaService({ counter: storage.counters, settings, defaultDaily: 3, clock });
  });
  afterEach(async () => {
    await storage.close();
    await dir.remove();
  });

  it('takes the member limit over the guild default over the bot default', async () => {
    expect((await quota.allowanceFor(G, 'u1')).limit).toBe(3);
    await settings.setDefaultLimit(G, 10);
    expect((await quota.allowanceFor(G, 'u1')).limit).toBe(10);
    await settings.setUserLimit(G, 'u1', 1);
    expect((await quota.allowanceFor(G, 'u1')).limit).toBe(1);
    expect((await quota.allowanceFor(G, 'u2')).limit).toBe(10);
    await settings.setUserLimit(G, 'u1', 0);
    expect((await quota.allowanceFor(G, 'u1')).limit).toBe(0);
    await settings.setDefaultLimit(G, undefined);
    await settings.setUserLimit(G, 'u1', undefined);
    expect((await quota.allowanceFor(G, 'u1')).limit).toBe(3);
    expect((await quota.allowanceFor('other-guild', 'u2')).limit).toBe(3);
  });

  it('reserves until the limit and describes the status after each call', async () => {
    const midnight = at('2024-03-11T00:00:00Z');
    const first = await quota.reserve(G, 'u1');
    expect(first).toEqual({
      scope: { guildId: G, userId: 'u1', day: '2024-03-10' },
      granted: true,
      status: { used: 1, limit: 3, remaining: 2, resetsAt: midnight, rule: { kind: 'default' } },
    });
    await quota.reserve(G, 'u1');
    expect((await quota.reserve(G, 'u1')).status).toEqual({ used: 3, limit: 3, remaining: 0, resetsAt: midnight, rule: { kind: 'default' } });
    const refused = await quota.reserve(G, 'u1');
    expect(refused.granted).toBe(false);
    expect(refused.status).toEqual({ used: 3, limit: 3, remaining: 0, resetsAt: midnight, rule: { kind: 'default' } });
    expect(await quota.status(G, 'u1')).toEqual({ used: 3, limit: 3, remaining: 0, resetsAt: midnight, rule: { kind: 'default' } });
  });

  it('takes the member\'s own limit, else their highest role limit, else the server\'s, else the default, and says which', async () => {
    expect(await quota.allowanceFor(G, 'u1', ['r1', 'r2'])).toEqual({ limit: 3, rule: { kind: 'default' } });
    await settings.setDefaultLimit(G, 4);
    expect(await quota.allowanceFor(G, 'u1', ['r1', 'r2'])).toEqual({ limit: 4, rule: { kind: 'server' } });
    await settings.setRoleLimit(G, 'r1', 2);
    await settings.setRoleLimit(G, 'r2', 8);
    expect(await quota.allowanceFor(G, 'u1', ['r1', 'r2'])).toEqual({ limit: 8, rule: { kind: 'role', roleId: 'r2' } });
    expect(await quota.allowanceFor(G, 'u1', ['r1'])).toEqual({ limit: 2, rule: { kind: 'role', roleId: 'r1' } });
    expect(await quota.allowanceFor(G, 'u1', [])).toEqual({ limit: 4, rule: { kind: 'server' } });
    await settings.setUserLimit(G, 'u1', 1);
    expect(await quota.allowanceFor(G, 'u1', ['r2'])).toEqual({ limit: 1, rule: { kind: 'member' } });
    expect((await quota.reserve(G, 'u2', ['r2'])).status).toMatchObject({ limit: 8, rule: { kind: 'role', roleId: 'r2' } });
  });

  it('applies a limit change at once and never shows negative remaining', async () => {
    await quota.reserve(G, 'u1');
    await quota.reserve(G, 'u1');
    await settings.setUserLimit(G, 'u1', 1);
    expect(await quota.status(G, 'u1')).toMatchObject({ used: 2, limit: 1, remaining: 0 });
    expect((await quota.reserve(G, 'u1')).granted).toBe(false);
    await settings.setUserLimit(G, 'u1', 5);
    expect(await quota.reserve(G, 'u1')).toMatchObject({ granted: true, status: { used: 3, limit: 5, remaining: 2 } });
  });

  it('reads the server cap from the guild settings and says when it refused', async () => {
    await settings.setDefaultLimit(G, 5);
    await settings.setDailyCap(G, 2);
    expect(await quota.reserve(G, 'u1')).toMatchObject({ granted: true, status: { used: 1, guildCap: 2, guildUsed: 1 } });
    expect(await quota.reserve(G, 'u2')).toMatchObject({ granted: true, status: { used: 1, guildCap: 2, guildUsed: 2 } });
    const refused = await quota.reserve(G, 'u3');
    expect(refused).toEqual({
      scope: { guildId: G, userId: 'u3', day: '2024-03-10' },
      granted: false,
      refusedBy: 'guild',
      available: 0,
      status: { used: 0, limit: 5, remaining: 5, resetsAt: at('2024-03-11T00:00:00Z'), guildCap: 2, guildUsed: 2, rule: { kind: 'server' } },
    });
    // Another guild has no cap.
    for (let index = 0; index < 4; index++) expect((await quota.reserve('other-guild', `m${index}`)).granted).toBe(true);
  });

  it("names the member's own limit when both would refuse, and frees room under the cap on refund", async () => {
    await settings.setDailyCap(G, 3);
    await settings.setUserLimit(G, 'u1', 2);
    await quota.reserve(G, 'u1');
    await quota.reserve(G, 'u1');
    const second = await quota.reserve(G, 'u2');
    expect((await quota.reserve(G, 'u1')).refusedBy).toBe('member');
    expect((await quota.reserve(G, 'u2')).refusedBy).toBe('guild');
    await quota.refund(second);
    expect(await quota.reserve(G, 'u2')).toMatchObject({ granted: true, status: { guildUsed: 3 } });
  });

  it('treats a cap of 0 or a removed cap as no cap, and rejects an invalid one', async () => {
    await settings.setDailyCap(G, 1);
    await quota.reserve(G, 'u1');
    expect((await quota.reserve(G, 'u2')).refusedBy).toBe('guild');
    await settings.setDailyCap(G, 0);
    expect(await settings.dailyCap(G)).toBeUndefined();
    const uncapped = await quota.reserve(G, 'u2');
    expect(uncapped.granted).toBe(true);
    expect(uncapped.status.guildCap).toBeUndefined();
    await settings.setDailyCap(G, 1);
    await settings.setDailyCap(G, undefined);
    expect((await quota.reserve(G, 'u3')).granted).toBe(true);
    await expect(settings.setDailyCap(G, -1)).rejects.toThrow(SettingsError);
    await expect(settings.setDailyCap(G, 1.5)).rejects.toThrow(SettingsError);
    expect(await settings.dailyCap(G)).toBeUndefined();
  });

  it('keeps the server cap across a fresh settings store (stored, not cached)', async () => {
    await settings.setDailyCap(G, 7);
    expect(await new GuildSettingsStore(storage.kv).dailyCap(G)).toBe(7);
  });

  it('takes a personal set from the personal allowance and the budget, all or none, never from a server', async () => {
    const personal = new QuotaService({ counter: storage.counters, settings, defaultDaily: 3, personalDaily: 3, dailyBudget: 4, clock });
    const set = await personal.reservePersonal('u1', 2);
    expect(set.granted).toBe(true);
    expect(set.scope.guildId).toBe('0');
    expect(set.status.used).toBe(2);
    // Two more would pass the budget's 4 but not the allowance's 3: refused whole, one said to be left.
    const over = await personal.reservePersonal('u1', 2);
    expect(over).toMatchObject({ granted: false, refusedBy: 'member', available: 1, status: { used: 2 } });
    // Another member's personal set meets the operator's budget (2 of 4 left).
    const other = await personal.reservePersonal('u2', 3);
    expect(other).toMatchObject({ granted: false, refusedBy: 'budget', available: 2 });
    expect((await personal.reservePersonal('u2', 2)).granted).toBe(true);
    expect(await storage.counters.budgetUsed('2024-03-10')).toBe(4);
    expect(await quota.status(G, 'u1')).toMatchObject({ used: 0 });
  });

  it('refunds a granted reservation and ignores a refused one', async () => {
    await settings.setUserLimit(G, 'u1', 1);
    const granted = await quota.reserve(G, 'u1');
    const refused = await quota.reserve(G, 'u1');
    await quota.refund(refused);
    expect((await quota.status(G, 'u1')).used).toBe(1);
    await quota.refund(granted);
    expect((await quota.status(G, 'u1')).used).toBe(0);
    await quota.refund(granted);
    expect((await quota.status(G, 'u1')).used).toBe(0);
  });

  it('refunds to the day of the reservation when the job ends after midnight', async () => {
    clock.set('2024-03-10T23:59:59.500Z');
    const beforeMidnight = await quota.reserve(G, 'u1');
    expect(beforeMidnight.status.resetsAt).toBe(at('2024-03-11T00:00:00Z'));
    clock.set('2024-03-11T00:00:01Z');
    const afterMidnight = await quota.reserve(G, 'u1');
    expect(afterMidnight.scope.day).toBe('2024-03-11');
    expect(afterMidnight.status.resetsAt).toBe(at('2024-03-12T00:00:00Z'));

    await quota.refund(beforeMidnight);
    expect(await quota.usage(G, 'u1', 2)).toEqual([
      { day: '2024-03-11', used: 1 },
      { day: '2024-03-10', used: 0 },
    ]);
  });

  it('refunds a bare scope (as kept by a job ledger)', async () => {
    const reservation = await quota.reserve(G, 'u1');
    await quota.refund(reservation.scope);
    expect((await quota.status(G, 'u1')).used).toBe(0);
  });

  it("reset clears today's usage only", async () => {
    clock.set('2024-03-09T10:00:00Z');
    await quota.reserve(G, 'u1');
    clock.set('2024-03-10T10:00:00Z');
    await quota.reserve(G, 'u1');
    await quota.reserve(G, 'u1');
    await quota.reset(G, 'u1');
    expect(await quota.status(G, 'u1')).toMatchObject({ used: 0, remaining: 3 });
    expect(await quota.usage(G, 'u1', 2)).toEqual([
      { day: '2024-03-10', used: 0 },
      { day: '2024-03-09', used: 1 },
    ]);
  });

  it('usage lists 7 days by default, today first', async () => {
    for (const [iso, times] of [
      ['2024-03-04T10:00:00Z', 2],
      ['2024-03-03T10:00:00Z', 3],
      ['2024-03-08T10:00:00Z', 1],
      ['2024-03-10T10:00:00Z', 3],
    ] as const) {
      clock.set(iso);
      for (let index = 0; index < times; index++) await quota.reserve(G, 'u1');
    }
    expect(await quota.usage(G, 'u1')).toEqual([
      { day: '2024-03-10', used: 3 },
      { day: '2024-03-09', used: 0 },
      { day: '2024-03-08', used: 1 },
      { day: '2024-03-07', used: 0 },
      { day: '2024-03-06', used: 0 },
      { day: '2024-03-05', used: 0 },
      { day: '2024-03-04', used: 2 },
    ]);
    expect(await quota.usage(G, 'u1', 3)).toHaveLength(3);
    expect(await quota.usage(G, 'u1', 1000)).toHaveLength(9);
  });

  it('guildUsage sums each day and ranks members today and over the period', async () => {
    await settings.setDefaultLimit(G, 10);
    const spend = async (iso: string, userId: string, times: number) => {
      clock.set(iso);
      for (let index = 0; index < times; index++) await quota.reserve(G, userId);
    };
    await spend('2024-03-08T09:00:00Z', 'alice', 5);
    await spend('2024-03-08T09:00:00Z', 'bob', 1);
    await spend('2024-03-09T09:00:00Z', 'bob', 2);
    await spend('2024-03-10T09:00:00Z', 'carol', 2);
    await spend('2024-03-10T09:00:00Z', 'bob', 1);
    await spend('2024-03-01T09:00:00Z', 'dave', 9);
    await quota.reserve('other-guild', 'erin');
    clock.set('2024-03-10T20:00:00Z');

    const usage = await quota.guildUsage(G);
    expect(usage.days).toEqual([
      { day: '2024-03-10', total: 3 },
      { day: '2024-03-09', total: 2 },
      { day: '2024-03-08', total: 6 },
      { day: '2024-03-07', total: 0 },
      { day: '2024-03-06', total: 0 },
      { day: '2024-03-05', total: 0 },
      { day: '2024-03-04', total: 0 },
    ]);
    expect(usage.topToday).toEqual([
      { userId: 'carol', used: 2 },
      { userId: 'bob', used: 1 },
    ]);
    expect(usage.topWeek).toEqual([
      { userId: 'alice', used: 5 },
      { userId: 'bob', used: 4 },
      { userId: 'carol', used: 2 },
    ]);
    expect((await quota.guildUsage(G, 1)).days).toEqual([{ day: '2024-03-10', total: 3 }]);
  });
});
