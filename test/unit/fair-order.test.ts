import { describe, expect, it } from 'vitest';
import type { SetTimer } from '../../src/clock.js';
import { compareClaims, estimateWaitMs, RecentStarts, SlidingWindowBudget } from '../../src/kie/index.js';
import { aboutWait, ordinal } from '../../src/messages.js';

const claimant = (userId: string, arrivedAt: number, guildId = 'g1', priority = false) => ({ userId, guildId, arrivedAt, priority });

/** A clock and timers the test moves by hand: `time` is now, `timers` the ones set and not yet fired or cancelled. */
function manualClock(start: number) {
  const clock = { time: start, timers: [] as Array<{ at: number; fire: () => void }> };
  const setTimer: SetTimer = (fire, ms) => {
    const timer = { at: clock.time + ms, fire };
    clock.timers.push(timer);
    return () => {
      const index = clock.timers.indexOf(timer);
      if (index >= 0) clock.timers.splice(index, 1);
    };
  };
  /** Fires every timer in time order (including those set while firing), letting each grant settle. */
  const runAll = async () => {
    while (clock.timers.length > 0) {
      const next = clock.timers.sort((x, y) => x.at - y.at).shift()!;
      clock.time = next.at;
      next.fire();
      await Promise.resolve();
    }
  };
  return { clock, setTimer, now: () => clock.time, runAll };
}

describe('the fair order', () => {
  it('puts priority first, then the fewest recent starts of the member, then of the server, then arrival', () => {
    const starts = new RecentStarts(600_000);
    for (let i = 0; i < 3; i += 1) starts.record({ guildId: 'g1', userId: 'busy' }, 0);
    starts.record({ guildId: 'g1', userId: 'other' }, 0);
    const counts = (c: { guildId: string; userId: string }) => starts.counts(c, 1_000);
    const waiters = [
      { claimant: claimant('busy', 1), sequence: 1 },
      { claimant: claimant('quiet', 5), sequence: 2 },
      { claimant: claimant('quiet-elsewhere', 9, 'g2'), sequence: 3 },
      { claimant: claimant('vip', 20, 'g1', true), sequence: 4 },
      { claimant: claimant('early', 2), sequence: 5 },
    ];
    const sorted = [...waiters].sort((a, b) => compareClaims(a, b, counts)).map((w) => w.claimant.userId);
    // g1 started 4 tasks, g2 none: among members with no starts, the quieter server goes first.
    expect(sorted).toEqual(['vip', 'quiet-elsewhere', 'early', 'quiet', 'busy']);
  });

  it('forgets starts older than its window', () => {
    const starts = new RecentStarts(10_000);
    starts.record({ guildId: 'g', userId: 'u' }, 0);
    starts.record({ guildId: 'g', userId: 'u' }, 5_000);
    expect(starts.counts({ guildId: 'g', userId: 'u' }, 9_999)).toEqual({ member: 2, guild: 2 });
    expect(starts.counts({ guildId: 'g', userId: 'u' }, 10_000)).toEqual({ member: 1, guild: 1 });
    expect(starts.counts({ guildId: 'g', userId: 'u' }, 15_000)).toEqual({ member: 0, guild: 0 });
  });

  it('estimates the wait from the window: its slots free up in grant order, then a window per round', () => {
    const grants = [1_000, 2_000, 3_000];
    expect(estimateWaitMs(1, grants, 3, 10_000, 5_000)).toBe(6_000);
    expect(estimateWaitMs(3, grants, 3, 10_000, 5_000)).toBe(8_000);
    expect(estimateWaitMs(4, grants, 3, 10_000, 5_000)).toBe(16_000);
    // A free slot is now; a grant in flight (dated ahead) counts as now.
    expect(estimateWaitMs(1, [2_000], 2, 10_000, 5_000)).toBe(0);
    expect(estimateWaitMs(2, [65_000, 2_000], 2, 10_000, 5_000)).toBe(10_000);
  });

  it('words the place and the wait for the status', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']);
    expect([0, 2_000, 3_000, 19_000, 21_000, 59_000, 90_000].map(aboutWait)).toEqual([
      'any moment now',
      'any moment now',
      'about 5 s',
      'about 20 s',
      'about 20 s',
      'about 60 s',
      'about 2 min',
    ]);
  });
});

describe('a fair SlidingWindowBudget', () => {
  it('gives the next slot to the member with the fewest recent starts, whatever the arrival order', async () => {
    const { setTimer, now, runAll } = manualClock(0);
    const budget = new SlidingWindowBudget({ limit: 2, windowMs: 1_000, now, setTimer, fair: true });
    const order: string[] = [];
    const places: Record<string, Array<[number, number | undefined]>> = {};
    const ask = (name: string, userId: string, arrivedAt: number) =>
      budget
        .acquire({ claimant: claimant(userId, arrivedAt), onPosition: (place, eta) => (places[name] ??= []).push([place, eta]) })
        .then(() => order.push(name));
    const all = [ask('a1', 'a', 1), ask('a2', 'a', 2), ask('a3', 'a', 3), ask('a4', 'a', 4), ask('b1', 'b', 5), ask('c1', 'c', 6)];
    await Promise.resolve();
    expect(order).toEqual(['a1', 'a2']);
    // b and c have no starts: they wait ahead of a's later requests, and are told so.
    expect(places['b1']).toEqual([[1, 1_000]]);
    expect(places['c1']).toEqual([[2, 1_000]]);
    expect(places['a3']?.at(-1)).toEqual([3, 2_000]);
    await runAll();
    await Promise.all(all);
    expect(order).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'a4']);
  });
});

describe('a fair SlidingWindowBudget over time', () => {
  it('orders its line again at the moment a start leaves the ten-minute window, with no new start', async () => {
    const { clock, setTimer, now } = manualClock(599_000);
    const budget = new SlidingWindowBudget({ limit: 1, windowMs: 1_000, now, setTimer, fair: true });
    budget.rememberStart({ guildId: 'g1', userId: 'early-starter' }, 0);
    budget.rememberStart({ guildId: 'g2', userId: 'late-starter' }, 300_000);
    // Takes the one slot until 600 500.
    budget.rememberStart({ guildId: 'g3', userId: 'someone' }, 599_500);
    const order: string[] = [];
    const places: Record<string, number[]> = {};
    const ask = (userId: string, guildId: string, arrivedAt: number) =>
      budget.acquire({ claimant: { userId, guildId, arrivedAt }, onPosition: (place) => (places[userId] ??= []).push(place) }).then(() => order.push(userId));
    const all = [ask('late-starter', 'g2', 1), ask('early-starter', 'g1', 2)];
    await Promise.resolve();
    // One start each in the last ten minutes: arrival decides.
    expect(places).toEqual({ 'late-starter': [1], 'early-starter': [2] });
    // At 600 000 the early start leaves the window: that member, with none left, goes before the other.
    clock.time = 600_000;
    all.push(ask('newcomer', 'g4', 4));
    await Promise.resolve();
    expect(places).toEqual({ 'late-starter': [1, 3], 'early-starter': [2, 1], newcomer: [2] });
    clock.time = clock.timers[0]!.at;
    clock.timers.shift()!.fire();
    await Promise.resolve();
    expect(order).toEqual(['early-starter']);
    void Promise.allSettled(all);
  });
});

describe('a fair SlidingWindowBudget after a restart', () => {
  it('counts the started tasks it is told of: in the window, and against their member', async () => {
    const { setTimer, now, runAll } = manualClock(50_000);
    const budget = new SlidingWindowBudget({ limit: 4, windowMs: 1_000, now, setTimer, fair: true });
    for (let i = 0; i < 4; i += 1) budget.rememberStart({ guildId: 'g1', userId: 'heavy' }, 49_500 + i * 10);
    const order: string[] = [];
    const all = [
      ...[1, 2, 3].map((i) => budget.acquire({ claimant: claimant('heavy', 40_000 + i) }).then(() => order.push(`heavy${i}`))),
      ...[1, 2].map((i) => budget.acquire({ claimant: claimant(`light${i}`, 49_000 + i) }).then(() => order.push(`light${i}`))),
    ];
    await Promise.resolve();
    expect(order).toEqual([]);
    await runAll();
    await Promise.all(all);
    expect(order).toEqual(['light1', 'light2', 'heavy1', 'heavy2', 'heavy3']);
  });
});
