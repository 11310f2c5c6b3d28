import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QuotaCounter, QuotaScope } from '../../src/quota/counter.js';

export interface CounterUnderTest {
  counter: QuotaCounter;
  /** Removes what the tests wrote (called after each test). */
  clean(): Promise<void>;
  close(): Promise<void>;
}

const DAY = '2024-03-10';
const NEXT_DAY = '2024-03-11';

/** The behaviour every QuotaCounter must have, run against a real store. */
export function describeQuotaCounterContract(name: string, factory: () => Promise<CounterUnderTest>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false)(`QuotaCounter contract: ${name}`, () => {
    let subject: CounterUnderTest;
    let counter: QuotaCounter;
    let guildId: string;

    beforeAll(async () => {
      subject = await factory();
      counter = subject.counter;
    });
    afterEach(async () => {
      await subject.clean();
    });
    afterAll(async () => {
      await subject?.close();
    });

    // A fresh guild per test keeps tests independent even before clean() runs.
    const scope = (userId = 'u1', day = DAY): QuotaScope => ({ guildId, userId, day });
    const reserveTimes = async (times: number, limit: number, target = scope()) => {
      const results = [];
      for (let index = 0; index < times; index++) results.push(await counter.reserve(target, limit));
      return results;
    };
    const newGuild = () => {
      guildId = `g${randomBytes(4).toString('hex')}`;
    };

    it('grants up to the limit, counting 1, 2, 3, then refuses without counting', async () => {
      newGuild();
      const results = await reserveTimes(5, 3);
      expect(results).toEqual([
        { granted: true, used: 1, guildUsed: 1 },
        { granted: true, used: 2, guildUsed: 2 },
        { granted: true, used: 3, guildUsed: 3 },
        { granted: false, used: 3, guildUsed: 3, refusedBy: 'member', available: 0 },
        { granted: false, used: 3, guildUsed: 3, refusedBy: 'member', available: 0 },
      ]);
      expect(await counter.used(scope())).toBe(3);
    });

    it('takes the limit of each call: a raised limit grants again, a lowered one refuses', async () => {
      newGuild();
      await reserveTimes(2, 2);
      expect(await counter.reserve(scope(), 2)).toEqual({ granted: false, used: 2, guildUsed: 2, refusedBy: 'member', available: 0 });
      expect(await counter.reserve(scope(), 3)).toEqual({ granted: true, used: 3, guildUsed: 3 });
      expect(await counter.reserve(scope(), 1)).toEqual({ granted: false, used: 3, guildUsed: 3, refusedBy: 'member', available: 0 });
    });

    it('refuses everything at limit 0 and records nothing', async () => {
      newGuild();
      expect(await counter.reserve(scope(), 0)).toEqual({ granted: false, used: 0, guildUsed: 0, refusedBy: 'member', available: 0 });
      expect(await counter.used(scope())).toBe(0);
      expect(await counter.guildDay(guildId, DAY)).toEqual([]);
      expect(await counter.guildUsed(guildId, DAY)).toBe(0);
      await reserveTimes(2, 5);
      expect(await counter.reserve(scope(), 0)).toEqual({ granted: false, used: 2, guildUsed: 2, refusedBy: 'member', available: 0 });
    });

    it('rejects a limit that is not a whole number ≥ 0', async () => {
      newGuild();
      await expect(counter.reserve(scope(), -1)).rejects.toThrow(RangeError);
      await expect(counter.reserve(scope(), 1.5)).rejects.toThrow(RangeError);
      expect(await counter.used(scope())).toBe(0);
    });

    it('release gives one unit back, floors at 0, and frees a slot', async () => {
      newGuild();
      await reserveTimes(3, 3);
      expect(await counter.release(scope())).toBe(2);
      expect(await counter.reserve(scope(), 3)).toEqual({ granted: true, used: 3, guildUsed: 3 });
      expect(await counter.release(scope())).toBe(2);
      expect(await counter.release(scope())).toBe(1);
      expect(await counter.release(scope())).toBe(0);
      expect(await counter.release(scope())).toBe(0);
      expect(await counter.used(scope())).toBe(0);
      expect(await counter.release(scope('never-used'))).toBe(0);
      expect(await counter.used(scope('never-used'))).toBe(0);
    });

    it('reset sets usage back to 0 and counting starts over', async () => {
      newGuild();
      await reserveTimes(3, 3);
      await counter.reset(scope());
      expect(await counter.used(scope())).toBe(0);
      expect(await counter.reserve(scope(), 3)).toEqual({ granted: true, used: 1, guildUsed: 1 });
      await counter.reset(scope('never-used'));
      expect(await counter.used(scope('never-used'))).toBe(0);
    });

    it('keeps days, users and guilds apart', async () => {
      newGuild();
      const otherGuild = `${guildId}x`;
      await reserveTimes(3, 3, scope('u1', DAY));
      expect(await counter.reserve(scope('u1', NEXT_DAY), 3)).toEqual({ granted: true, used: 1, guildUsed: 1 });
      expect(await counter.reserve(scope('u2', DAY), 3)).toEqual({ granted: true, used: 1, guildUsed: 4 });
      expect(await counter.reserve({ guildId: otherGuild, userId: 'u1', day: DAY }, 3)).toEqual({ granted: true, used: 1, guildUsed: 1 });
      await counter.reset(scope('u1', NEXT_DAY));
      expect(await counter.used(scope('u1', DAY))).toBe(3);
      await counter.release(scope('u1', DAY));
      expect(await counter.used(scope('u2', DAY))).toBe(1);
      expect(await counter.used({ guildId: otherGuild, userId: 'u1', day: DAY })).toBe(1);
      await counter.reset({ guildId: otherGuild, userId: 'u1', day: DAY });
    });

    it('usedOnDays answers in the order asked, 0 for days without usage', async () => {
      newGuild();
      await reserveTimes(2, 9, scope('u1', '2024-03-08'));
      await reserveTimes(1, 9, scope('u1', '2024-03-10'));
      await reserveTimes(4, 9, scope('u2', '2024-03-09'));
      expect(await counter.usedOnDays(guildId, 'u1', ['2024-03-10', '2024-03-09', '2024-03-08', '2024-03-07'])).toEqual([1, 0, 2, 0]);
      expect(await counter.usedOnDays(guildId, 'u1', ['2024-03-08', '2024-03-10'])).toEqual([2, 1]);
      expect(await counter.usedOnDays(guildId, 'u1', [])).toEqual([]);
    });

    it('guildDay lists members with usage that day, most first, ties by user id', async () => {
      newGuild();
      await reserveTimes(1, 9, scope('carol'));
      await reserveTimes(3, 9, scope('alice'));
      await reserveTimes(2, 9, scope('bob'));
      await reserveTimes(2, 9, scope('ann'));
      await reserveTimes(1, 9, scope('dave'));
      await counter.release(scope('dave'));
      await reserveTimes(5, 9, scope('alice', NEXT_DAY));
      await counter.reserve({ guildId: `${guildId}x`, userId: 'zed', day: DAY }, 9);
      expect(await counter.guildDay(guildId, DAY)).toEqual([
        { userId: 'alice', used: 3 },
        { userId: 'ann', used: 2 },
        { userId: 'bob', used: 2 },
        { userId: 'carol', used: 1 },
      ]);
      expect(await counter.guildDay(guildId, NEXT_DAY)).toEqual([{ userId: 'alice', used: 5 }]);
      expect(await counter.guildDay(guildId, '2024-03-12')).toEqual([]);
      await counter.reset({ guildId: `${guildId}x`, userId: 'zed', day: DAY });
    });

    it('server cap: grants until the guild total reaches the cap, then refuses every member without counting', async () => {
      newGuild();
      expect(await counter.reserve(scope('a'), 5, 3)).toEqual({ granted: true, used: 1, guildUsed: 1 });
      expect(await counter.reserve(scope('b'), 5, 3)).toEqual({ granted: true, used: 1, guildUsed: 2 });
      expect(await counter.reserve(scope('a'), 5, 3)).toEqual({ granted: true, used: 2, guildUsed: 3 });
      expect(await counter.reserve(scope('c'), 5, 3)).toEqual({ granted: false, used: 0, guildUsed: 3, refusedBy: 'guild', available: 0 });
      expect(await counter.reserve(scope('a'), 5, 3)).toEqual({ granted: false, used: 2, guildUsed: 3, refusedBy: 'guild', available: 0 });
      expect(await counter.used(scope('c'))).toBe(0);
      expect(await counter.guildDay(guildId, DAY)).toEqual([
        { userId: 'a', used: 2 },
        { userId: 'b', used: 1 },
      ]);
      // A raised cap grants again; the cap counts per guild and per day.
      expect(await counter.reserve(scope('c'), 5, 4)).toEqual({ granted: true, used: 1, guildUsed: 4 });
      expect(await counter.reserve(scope('c', NEXT_DAY), 5, 4)).toEqual({ granted: true, used: 1, guildUsed: 1 });
      expect(await counter.reserve({ guildId: `${guildId}x`, userId: 'c', day: DAY }, 5, 1)).toMatchObject({ granted: true, guildUsed: 1 });
      await counter.reset({ guildId: `${guildId}x`, userId: 'c', day: DAY });
    });

    it('server cap: the member limit still refuses, and wins when both would', async () => {
      newGuild();
      await reserveTimes(2, 2, scope('a'));
      expect(await counter.reserve(scope('a'), 2, 10)).toEqual({ granted: false, used: 2, guildUsed: 2, refusedBy: 'member', available: 0 });
      // Both full: the member's own limit is the reason given.
      expect(await counter.reserve(scope('a'), 2, 2)).toEqual({ granted: false, used: 2, guildUsed: 2, refusedBy: 'member', available: 0 });
      expect(await counter.reserve(scope('b'), 2, 2)).toEqual({ granted: false, used: 0, guildUsed: 2, refusedBy: 'guild', available: 0 });
      expect(await counter.reserve(scope('b'), 0, 2)).toEqual({ granted: false, used: 0, guildUsed: 2, refusedBy: 'member', available: 0 });
    });

    it('server cap 0 or undefined means no cap', async () => {
      newGuild();
      for (const cap of [0, undefined, 0, undefined, 0]) expect((await counter.reserve(scope('a'), 9, cap)).granted).toBe(true);
      expect(await counter.reserve(scope('b'), 9, 0)).toEqual({ granted: true, used: 1, guildUsed: 6 });
      await expect(counter.reserve(scope('b'), 9, -1)).rejects.toThrow(RangeError);
      await expect(counter.reserve(scope('b'), 9, 2.5)).rejects.toThrow(RangeError);
      expect(await counter.guildUsed(guildId, DAY)).toBe(6);
    });

    it('guildUsed follows reserve, release and reset, and release/reset free room under the cap', async () => {
      newGuild();
      expect(await counter.guildUsed(guildId, DAY)).toBe(0);
      await reserveTimes(3, 9, scope('a'));
      await reserveTimes(2, 9, scope('b'));
      await reserveTimes(1, 9, scope('a', NEXT_DAY));
      expect(await counter.guildUsed(guildId, DAY)).toBe(5);
      expect(await counter.guildUsed(guildId, NEXT_DAY)).toBe(1);
      expect(await counter.guildUsed(`${guildId}x`, DAY)).toBe(0);
      expect(await counter.reserve(scope('c'), 9, 5)).toMatchObject({ granted: false, refusedBy: 'guild', available: 0 });

      await counter.release(scope('b'));
      expect(await counter.guildUsed(guildId, DAY)).toBe(4);
      expect(await counter.reserve(scope('c'), 9, 5)).toEqual({ granted: true, used: 1, guildUsed: 5 });

      // A release for a member without usage takes nothing from the total.
      await counter.release(scope('nobody'));
      expect(await counter.guildUsed(guildId, DAY)).toBe(5);

      await counter.reset(scope('a'));
      expect(await counter.guildUsed(guildId, DAY)).toBe(2);
      await counter.reset(scope('nobody'));
      expect(await counter.guildUsed(guildId, DAY)).toBe(2);
      expect(await counter.reserve(scope('d'), 9, 5)).toEqual({ granted: true, used: 1, guildUsed: 3 });

      for (const member of ['b', 'c', 'd', 'b', 'c', 'd']) await counter.release(scope(member));
      expect(await counter.guildUsed(guildId, DAY)).toBe(0);
      expect(await counter.guildDay(guildId, DAY)).toEqual([]);
      expect(await counter.guildUsed(guildId, NEXT_DAY)).toBe(1);
    });

    it('server cap: grants exactly 7 of 50 concurrent reserves from 50 members', async () => {
      newGuild();
      const results = await Promise.all(Array.from({ length: 50 }, (_, index) => counter.reserve(scope(`m${index}`), 3, 7)));
      const granted = results.filter((result) => result.granted);
      expect(granted).toHaveLength(7);
      expect(granted.every((result) => result.used === 1)).toBe(true);
      expect(results.filter((result) => !result.granted).every((result) => result.refusedBy === 'guild' && result.used === 0)).toBe(true);
      expect(await counter.guildUsed(guildId, DAY)).toBe(7);
      expect(await counter.guildDay(guildId, DAY)).toHaveLength(7);
    });

    it('server cap: releases and reserves racing keep the total equal to the members\' sum', async () => {
      newGuild();
      for (let index = 0; index < 20; index++) await counter.reserve(scope(`m${index}`), 5, 40);
      await Promise.all([
        ...Array.from({ length: 20 }, (_, index) => counter.release(scope(`m${index}`))),
        ...Array.from({ length: 20 }, (_, index) => counter.reserve(scope(`m${index}`), 5, 40)),
      ]);
      const members = await counter.guildDay(guildId, DAY);
      const sum = members.reduce((total, member) => total + member.used, 0);
      expect(sum).toBe(20);
      expect(await counter.guildUsed(guildId, DAY)).toBe(20);
    });

    it('grants exactly `limit` of 50 concurrent reserves for one member', async () => {
      newGuild();
      const results = await Promise.all(Array.from({ length: 50 }, () => counter.reserve(scope(), 3)));
      const granted = results.filter((result) => result.granted);
      expect(granted).toHaveLength(3);
      expect(granted.map((result) => result.used).sort()).toEqual([1, 2, 3]);
      expect(results.filter((result) => !result.granted).every((result) => result.used === 3)).toBe(true);
      expect(await counter.used(scope())).toBe(3);
    });

    it('loses no update among 40 concurrent releases and reserves', async () => {
      newGuild();
      await reserveTimes(20, 100);
      await Promise.all([
        ...Array.from({ length: 20 }, () => counter.release(scope())),
        ...Array.from({ length: 20 }, () => counter.reserve(scope(), 100)),
      ]);
      expect(await counter.used(scope())).toBe(20);
    });

    // The budget counts every guild's units of one day, so each of these tests has a day of its own.
    const budgetDay = (n: number) => `2024-04-${String(10 + n).padStart(2, '0')}`;
    const otherGuild = () => `g${randomBytes(4).toString('hex')}`;

    it('budget: grants until the bot\'s total over all guilds reaches it, then refuses every member everywhere without counting', async () => {
      newGuild();
      const day = budgetDay(1);
      const second = otherGuild();
      expect(await counter.reserve(scope('a', day), 5, 0, 3)).toEqual({ granted: true, used: 1, guildUsed: 1 });
      expect(await counter.reserve({ guildId: second, userId: 'b', day }, 5, 0, 3)).toEqual({ granted: true, used: 1, guildUsed: 1 });
      expect(await counter.reserve(scope('a', day), 5, 10, 3)).toEqual({ granted: true, used: 2, guildUsed: 2 });
      expect(await counter.reserve({ guildId: second, userId: 'c', day }, 5, 10, 3)).toEqual({ granted: false, used: 0, guildUsed: 1, refusedBy: 'budget', available: 0 });
      expect(await counter.reserve(scope('a', day), 5, 0, 3)).toEqual({ granted: false, used: 2, guildUsed: 2, refusedBy: 'budget', available: 0 });
      expect(await counter.budgetUsed(day)).toBe(3);
      expect(await counter.guildDay(second, day)).toEqual([{ userId: 'b', used: 1 }]);
      // Another day has a budget of its own.
      expect(await counter.reserve(scope('a', budgetDay(2)), 5, 0, 3)).toEqual({ granted: true, used: 1, guildUsed: 1 });
    });

    it('budget: the member\'s limit, then the server\'s cap, are named before the budget when several would refuse', async () => {
      newGuild();
      const day = budgetDay(3);
      await counter.reserve(scope('a', day), 1, 0, 1);
      expect(await counter.reserve(scope('a', day), 1, 1, 1)).toMatchObject({ granted: false, refusedBy: 'member', available: 0 });
      expect(await counter.reserve(scope('b', day), 5, 1, 1)).toMatchObject({ granted: false, refusedBy: 'guild', available: 0 });
      expect(await counter.reserve(scope('b', day), 5, 0, 1)).toMatchObject({ granted: false, refusedBy: 'budget', available: 0 });
    });

    it('budget: a release gives the unit back to the budget; an admin\'s reset does not', async () => {
      newGuild();
      const day = budgetDay(4);
      await counter.reserve(scope('a', day), 5, 0, 2);
      await counter.reserve(scope('b', day), 5, 0, 2);
      expect(await counter.reserve(scope('c', day), 5, 0, 2)).toMatchObject({ granted: false, refusedBy: 'budget', available: 0 });
      await counter.release(scope('a', day));
      expect(await counter.budgetUsed(day)).toBe(1);
      expect(await counter.reserve(scope('c', day), 5, 0, 2)).toMatchObject({ granted: true, used: 1 });
      await counter.reset(scope('b', day));
      expect(await counter.used(scope('b', day))).toBe(0);
      expect(await counter.budgetUsed(day)).toBe(2);
      expect(await counter.reserve(scope('b', day), 5, 0, 2)).toMatchObject({ granted: false, refusedBy: 'budget', available: 0 });
      // A release after a reset finds nothing to give back, and the budget keeps its unit.
      await counter.release(scope('b', day));
      expect(await counter.budgetUsed(day)).toBe(2);
    });

    it('budget 0 or undefined means none, and units are counted towards it all the same', async () => {
      newGuild();
      const day = budgetDay(5);
      await counter.reserve(scope('a', day), 5);
      await counter.reserve(scope('a', day), 5, 0, 0);
      expect(await counter.budgetUsed(day)).toBe(2);
      expect(await counter.reserve(scope('b', day), 5, 0, 2)).toMatchObject({ granted: false, refusedBy: 'budget', available: 0 });
    });

    it('budget: grants exactly 5 of 50 concurrent reserves from 50 members of two guilds', async () => {
      newGuild();
      const day = budgetDay(6);
      const second = otherGuild();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => counter.reserve({ guildId: index % 2 === 0 ? guildId : second, userId: `m${index}`, day }, 3, 0, 5)),
      );
      expect(results.filter((result) => result.granted)).toHaveLength(5);
      expect(results.filter((result) => !result.granted).every((result) => result.refusedBy === 'budget' && result.used === 0)).toBe(true);
      expect(await counter.budgetUsed(day)).toBe(5);
      expect((await counter.guildUsed(guildId, day)) + (await counter.guildUsed(second, day))).toBe(5);
    });

    it('units: takes all of several units or none, and says how many every limit would still give', async () => {
      newGuild();
      expect(await counter.reserve(scope(), 5, 0, 0, 4)).toEqual({ granted: true, used: 4, guildUsed: 4 });
      expect(await counter.reserve(scope(), 5, 0, 0, 2)).toEqual({ granted: false, used: 4, guildUsed: 4, refusedBy: 'member', available: 1 });
      expect(await counter.used(scope())).toBe(4);
      expect(await counter.reserve(scope('u2'), 5, 6, 0, 3)).toEqual({ granted: false, used: 0, guildUsed: 4, refusedBy: 'guild', available: 2 });
      expect(await counter.reserve(scope('u2'), 5, 6, 0, 2)).toEqual({ granted: true, used: 2, guildUsed: 6 });
      expect(await counter.release(scope())).toBe(3);
      expect(await counter.guildUsed(guildId, DAY)).toBe(5);
      await expect(counter.reserve(scope(), 5, 0, 0, 0)).rejects.toThrow(RangeError);
    });

    it('units: the budget refuses a set it cannot hold whole, with what is left of it', async () => {
      newGuild();
      const day = budgetDay(7);
      expect(await counter.reserve(scope('u1', day), 10, 0, 3, 2)).toEqual({ granted: true, used: 2, guildUsed: 2 });
      expect(await counter.reserve(scope('u2', day), 10, 0, 3, 4)).toEqual({ granted: false, used: 0, guildUsed: 2, refusedBy: 'budget', available: 1 });
      expect(await counter.budgetUsed(day)).toBe(2);
    });

    it('units: 20 concurrent sets of 4 under a limit of 10 grant exactly two sets', async () => {
      newGuild();
      const results = await Promise.all(Array.from({ length: 20 }, () => counter.reserve(scope(), 10, 0, 0, 4)));
      expect(results.filter((result) => result.granted)).toHaveLength(2);
      expect(await counter.used(scope())).toBe(8);
    });
  });
}
