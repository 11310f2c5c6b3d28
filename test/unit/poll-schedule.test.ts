import { describe, expect, it } from 'vitest';
import { safetyNetPollSchedule } from '../../src/kie/index.js';
import { seededRandom } from '../helpers/random.js';

const POLLS_PER_SECOND = 9;

/** The delays the schedule gives at the two ends of its jitter (random 0 and just under 1). */
function extremes(watching: number, elapsedMs: number): [number, number] {
  const at = (value: number) => safetyNetPollSchedule({ watching: () => watching, pollsPerSecond: POLLS_PER_SECOND, random: () => value })(elapsedMs);
  return [at(0), at(0.999_999)];
}

describe('safetyNetPollSchedule', () => {
  it('polls every 15 s (±15 %) for two minutes, every 30 s after', () => {
    for (const watching of [0, 1, 20]) {
      expect(extremes(watching, 0)).toEqual([12_750, 17_250]);
      expect(extremes(watching, 119_999)).toEqual([12_750, 17_250]);
      expect(extremes(watching, 120_000)).toEqual([25_500, 34_500]);
    }
    expect(safetyNetPollSchedule({ watching: () => 1, pollsPerSecond: POLLS_PER_SECOND, random: () => 0.5 })(1_000)).toBe(15_000);
  });

  it('never asks for more than an even share of the poll rate, following the live count', () => {
    // 450 tasks at 9/s: one poll each every 50 s, ±15 %.
    expect(extremes(450, 0)).toEqual([42_500, 57_500]);
    expect(extremes(450, 300_000)).toEqual([42_500, 57_500]);
    let watching = 450;
    const live = safetyNetPollSchedule({ watching: () => watching, pollsPerSecond: POLLS_PER_SECOND, random: () => 0.5 });
    expect(live(1_000)).toBe(50_000);
    watching = 90;
    expect(live(1_000)).toBe(15_000);
  });

  it('keeps many tasks following the schedule within pollsPerSecond on average', () => {
    // Discrete-event simulation: tasks join over time, each polls at once, then again after every pause
    // the schedule gives (the watch loop with zero request latency: the worst case for the rate).
    const random = seededRandom(20_240_601);
    for (const scenario of [
      { tasks: 5, joinEveryMs: 100, lifetimeMs: 300_000 },
      { tasks: 200, joinEveryMs: 50, lifetimeMs: 300_000 },
      { tasks: 400, joinEveryMs: 0, lifetimeMs: 600_000 },
    ]) {
      const { scheduled, end } = simulate({ ...scenario, random });
      // The first poll of each task does not come from the schedule; only the pauses do.
      const averagePerSecond = (scheduled.length * 1_000) / end;
      expect(averagePerSecond, JSON.stringify(scenario)).toBeLessThanOrEqual(POLLS_PER_SECOND);
      // Tasks that start together poll in waves, which the jitter only spreads over ±15 % of a round; over
      // three rounds (each task's pause is at least 15 s, or its even share) they stay close to the rate.
      const windowMs = 3 * Math.max(15_000, (scenario.tasks * 1_000) / POLLS_PER_SECOND);
      expect(worstWindow(scheduled, windowMs) / (windowMs / 1_000), JSON.stringify(scenario)).toBeLessThanOrEqual(POLLS_PER_SECOND * 1.1);
    }
  });

  it('is what keeps the simulated rate down: a fixed 15 s pause would not', () => {
    // Guards the simulation itself: without the even share, 400 tasks would poll about 27 times a second.
    const random = seededRandom(7);
    const { scheduled } = simulate({ tasks: 400, joinEveryMs: 0, lifetimeMs: 120_000, random, schedule: () => Math.round(15_000 * (0.85 + random() * 0.3)) });
    expect((scheduled.length * 1_000) / 120_000).toBeGreaterThan(20);
  });
});

interface Simulation {
  tasks: number;
  joinEveryMs: number;
  lifetimeMs: number;
  random: () => number;
  /** Replaces the safety-net schedule (to check the simulation itself). */
  schedule?: (elapsedMs: number) => number;
}

/** Times of the polls that followed a pause, and when the last task stopped being watched. */
function simulate(options: Simulation): { scheduled: number[]; end: number } {
  let watching = 0;
  const schedule =
    options.schedule ?? safetyNetPollSchedule({ watching: () => watching, pollsPerSecond: POLLS_PER_SECOND, random: options.random });
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
