import { describe, expect, it } from 'vitest';
import { adaptivePollSchedule, pollSchedule } from '../../src/kie/index.js';
import { seededRandom } from '../helpers/random.js';

const POLLS_PER_SECOND = 9;


/** The delays the schedule gives at the two ends of its jitter (random 0 and just under 1). */
function extremes(options: { watching: number; mode?: 'polling' | 'callback'; fastestMs?: number }, elapsedMs: number): [number, number] {
  const at = (value: number) =>
    adaptivePollSchedule({
      watching: () => options.watching,
      pollsPerSecond: POLLS_PER_SECOND,
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.fastestMs ? { fastestMs: options.fastestMs } : {}),
      random: () => value,
    })(elapsedMs);
  return [at(0), at(0.999_999)];
}

describe('adaptivePollSchedule', () => {
  it('polls a young task about every fastestMs (±15 %) while few tasks are watched', () => {
    for (const watching of [0, 1, 3, 6]) {
      const [low, high] = extremes({ watching }, 5_000);
      expect(low).toBe(Math.round(750 * 0.85));
      expect(high).toBe(Math.round(750 * 1.15));
    }
    const middle = adaptivePollSchedule({ watching: () => 2, pollsPerSecond: POLLS_PER_SECOND, random: () => 0.5 });
    expect(middle(0)).toBe(750);
    expect(middle(59_999)).toBe(750);
    expect(extremes({ watching: 1, fastestMs: 400 }, 1_000)).toEqual([340, 460]);
  });

  it('gives each task an even share of the poll rate when many are watched', () => {
    const [low, high] = extremes({ watching: 90 }, 5_000);
    expect(low).toBe(8_500); // 90 tasks at 9/s: one poll each every 10 s, ±15 %
    expect(high).toBe(11_500);
    const schedule = adaptivePollSchedule({ watching: () => 90, pollsPerSecond: POLLS_PER_SECOND, random: () => 0.5 });
    expect(schedule(1_000)).toBe(10_000);
    // The share follows the live count: 18 watched → 2 s each.
    let watching = 18;
    const live = adaptivePollSchedule({ watching: () => watching, pollsPerSecond: POLLS_PER_SECOND, random: () => 0.5 });
    expect(live(1_000)).toBe(2_000);
    watching = 4;
    expect(live(1_000)).toBe(750);
  });

  it('falls back to KIE guidance (pollSchedule) for tasks older than a minute', () => {
    for (const elapsed of [60_000, 90_000, 119_999, 120_000, 600_000]) {
      // Both draws of random are 0.5: KIE's range midpoint, then no jitter.
      const schedule = adaptivePollSchedule({ watching: () => 1, pollsPerSecond: POLLS_PER_SECOND, random: () => 0.5 });
      expect(schedule(elapsed)).toBe(pollSchedule(elapsed, () => 0.5));
    }
    expect(extremes({ watching: 1 }, 90_000)).toEqual([Math.round(4_500 * 0.85), Math.round(5_500 * 1.15)]);
    expect(extremes({ watching: 1 }, 300_000)).toEqual([Math.round(10_000 * 0.85), Math.round(15_000 * 1.15)]);
    // Still never above the even share: 180 watched → 20 s each, slower than KIE's 10–15 s.
    expect(extremes({ watching: 180 }, 300_000)).toEqual([17_000, 23_000]);
  });

  it('only keeps a 15 s / 30 s safety net in callback mode', () => {
    expect(extremes({ watching: 1, mode: 'callback' }, 0)).toEqual([12_750, 17_250]);
    expect(extremes({ watching: 1, mode: 'callback' }, 119_999)).toEqual([12_750, 17_250]);
    expect(extremes({ watching: 1, mode: 'callback' }, 120_000)).toEqual([25_500, 34_500]);
    // Callback mode too never asks for more than the even share.
    expect(extremes({ watching: 450, mode: 'callback' }, 0)).toEqual([42_500, 57_500]);
  });

  it('keeps many tasks following the schedule within pollsPerSecond on average', () => {
    // Discrete-event simulation: tasks join over time, each polls at once, then again after every pause
    // the schedule gives (the watch loop with zero request latency: the worst case for the rate).
    const random = seededRandom(20_240_601);
    for (const scenario of [
      { tasks: 5, joinEveryMs: 100, lifetimeMs: 300_000 },
      { tasks: 90, joinEveryMs: 0, lifetimeMs: 300_000 },
      { tasks: 90, joinEveryMs: 111, lifetimeMs: 300_000 },
      { tasks: 400, joinEveryMs: 50, lifetimeMs: 180_000 },
    ]) {
      const { scheduled, end } = simulate({ ...scenario, random });
      // The first poll of each task does not come from the schedule; only the pauses do.
      const averagePerSecond = (scheduled.length * 1_000) / end;
      expect(averagePerSecond, JSON.stringify(scenario)).toBeLessThanOrEqual(POLLS_PER_SECOND);
      // Jitter and tasks joining bunch polls up a little; over 30 s they still stay close to the rate.
      expect(worstWindow(scheduled, 30_000) / 30, JSON.stringify(scenario)).toBeLessThanOrEqual(POLLS_PER_SECOND * 1.1);
    }
  });

  it('is what keeps the simulated rate down: a fixed fastest pause would not', () => {
    // Guards the simulation itself: without the even share, 90 young tasks would poll 120 times a second.
    const random = seededRandom(7);
    const { scheduled } = simulate({ tasks: 90, joinEveryMs: 0, lifetimeMs: 30_000, random, schedule: () => Math.round(750 * (0.85 + random() * 0.3)) });
    expect((scheduled.length * 1_000) / 30_000).toBeGreaterThan(100);
  });
});

interface Simulation {
  tasks: number;
  joinEveryMs: number;
  lifetimeMs: number;
  random: () => number;
  /** Replaces the adaptive schedule (to check the simulation itself). */
  schedule?: (elapsedMs: number) => number;
}

/** Times of the polls that followed a pause, and when the last task stopped being watched. */
function simulate(options: Simulation): { scheduled: number[]; end: number } {
  let watching = 0;
  const schedule =
    options.schedule ?? adaptivePollSchedule({ watching: () => watching, pollsPerSecond: POLLS_PER_SECOND, random: options.random });
  interface Event {
    at: number;
    kind: 'join' | 'poll' | 'leave';
    startedAt: number;
  }
  const events: Event[] = [];
  for (let i = 0; i < options.tasks; i++) events.push({ at: i * options.joinEveryMs, kind: 'join', startedAt: i * options.joinEveryMs });
  const scheduled: number[] = [];
  let end = 0;
  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at);
    const event = events.shift()!;
    const leaveAt = event.startedAt + options.lifetimeMs;
    if (event.kind === 'leave') {
      watching -= 1;
      end = event.at;
      continue;
    }
    if (event.kind === 'join') {
      watching += 1;
      events.push({ at: leaveAt, kind: 'leave', startedAt: event.startedAt });
    } else {
      scheduled.push(event.at);
    }
    const next = event.at + schedule(event.at - event.startedAt);
    if (next < leaveAt) events.push({ at: next, kind: 'poll', startedAt: event.startedAt });
  }
  return { scheduled, end };
}

/** The most polls in any window of windowMs. */
function worstWindow(polls: readonly number[], windowMs: number): number {
  let worst = 0;
  let first = 0;
  for (let last = 0; last < polls.length; last++) {
    while (polls[last]! - polls[first]! >= windowMs) first += 1;
    worst = Math.max(worst, last - first + 1);
  }
  return worst;
}
