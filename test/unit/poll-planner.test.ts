import { describe, expect, it } from 'vitest';
import type { SetTimer } from '../../src/clock.js';
import { PollPlanner } from '../../src/kie/index.js';

/** A clock and timers that move only when the test says so. */
function manualTime() {
  let time = 0;
  const timers = new Set<{ at: number; callback: () => void }>();
  const setTimer: SetTimer = (callback, ms) => {
    const timer = { at: time + ms, callback };
    timers.add(timer);
    return () => timers.delete(timer);
  };
  const advance = async (ms: number): Promise<void> => {
    const end = time + ms;
    for (;;) {
      const due = [...timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      timers.delete(due);
      time = Math.max(time, due.at);
      due.callback();
      await Promise.resolve();
    }
    time = end;
    await Promise.resolve();
  };
  return { now: () => time, setTimer, advance };
}

function setup(options: { pollsPerSecond?: number; history?: number[] } = {}) {
  const clock = manualTime();
  const planner = new PollPlanner({ pollsPerSecond: options.pollsPerSecond ?? 10, now: clock.now, setTimer: clock.setTimer });
  for (const ms of options.history ?? []) planner.recordGenerationTime(ms);
  const grants: Array<{ taskId: string; at: number }> = [];
  const turn = (taskId: string, startedAt: number, lastPolledAt = startedAt, maxWaitMs = 600_000, signal?: AbortSignal) =>
    planner.waitTurn({ taskId, startedAt, lastPolledAt, maxWaitMs, signal }).then(() => {
      grants.push({ taskId, at: clock.now() });
    });
  return { planner, clock, grants, turn };
}

describe('PollPlanner', () => {
  it('without history, shares the rate evenly: the task that waited longest goes first, one grant per slot', async () => {
    const { clock, grants, turn } = setup({ pollsPerSecond: 10 });
    await clock.advance(5_000);
    void turn('a', 0, 4_000);
    void turn('b', 0, 3_000);
    void turn('c', 0, 4_500);
    await clock.advance(1_000);
    expect(grants.map((g) => g.taskId)).toEqual(['b', 'a', 'c']);
    const gaps = grants.slice(1).map((g, i) => g.at - grants[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(100);
  });

  it('never polls one task more often than every 750 ms while it is young', async () => {
    const { clock, grants, turn } = setup({ pollsPerSecond: 10 });
    void turn('a', 0, 0);
    await clock.advance(700);
    expect(grants).toEqual([]);
    await clock.advance(100);
    expect(grants).toEqual([{ taskId: 'a', at: 750 }]);
  });

  it('follows KIE guidance for old tasks: at least 4.5 s apart after a minute, 10 s after two', async () => {
    const { clock, grants, turn } = setup();
    await clock.advance(90_000);
    void turn('a', 0, 87_000);
    await clock.advance(1_400);
    expect(grants).toEqual([]);
    await clock.advance(200);
    expect(grants).toHaveLength(1);
  });

  it('with history, spends polls on the task that is likely done rather than one too young to be', async () => {
    // Recent tasks took 4–6 s.
    const { clock, grants, turn } = setup({ pollsPerSecond: 2, history: [4_000, 4_500, 5_000, 5_500, 6_000, 5_000] });
    await clock.advance(10_000);
    void turn('young', 9_000, 9_000); // 1 s old: no recent task finished that fast
    void turn('due', 4_800, 9_500); // 5.2 s old, last looked at 4.7 s (more recently than 'young')
    await clock.advance(600);
    expect(grants.map((g) => g.taskId)).toEqual(['due']);
  });

  it('still polls a task nobody expects to be done, about every 3 s, so the model cannot starve it', async () => {
    const { clock, grants, turn } = setup({ history: [20_000, 21_000, 22_000, 23_000, 24_000] });
    void turn('young', 0, 0);
    await clock.advance(2_900);
    expect(grants).toEqual([]);
    await clock.advance(200);
    expect(grants.map((g) => g.taskId)).toEqual(['young']);
  });

  it('polls a task slower than every one seen so far as one due any moment, not only when aging allows', async () => {
    const { clock, grants, turn } = setup({ history: [1_000, 1_100, 1_200, 1_300, 1_400] });
    await clock.advance(30_000);
    void turn('slow', 0, 30_000);
    await clock.advance(700);
    expect(grants).toEqual([]);
    await clock.advance(100);
    expect(grants).toEqual([{ taskId: 'slow', at: 30_750 }]);
  });

  it('still polls a task so far past every recent one that its finished share rounds to 1', async () => {
    const { clock, grants, turn } = setup({ history: [1_000, 1_000, 1_000, 1_000, 1_000] });
    await clock.advance(1_000_000);
    void turn('stuck', 0, 990_000);
    await clock.advance(100);
    expect(grants).toEqual([{ taskId: 'stuck', at: 1_000_000 }]);
  });

  it('expects completions between the generation times it has seen, not only at them', async () => {
    // One task took 2 s and four took 6 s: a task now 5 s old may well have finished since 3.5 s.
    const { clock, grants, turn } = setup({ history: [2_000, 6_000, 6_000, 6_000, 6_000] });
    await clock.advance(5_000);
    void turn('a', 0, 3_500);
    await clock.advance(100);
    expect(grants.map((g) => g.taskId)).toEqual(['a']);
  });

  it('gives the turn at the watch deadline whatever else waits', async () => {
    const { clock, grants, turn } = setup({ history: [20_000, 21_000, 22_000, 23_000, 24_000] });
    void turn('a', 0, 0, 400);
    await clock.advance(399);
    expect(grants).toEqual([]);
    await clock.advance(1);
    expect(grants).toEqual([{ taskId: 'a', at: 400 }]);
  });

  it('rejects an aborted wait and forgets it', async () => {
    const { planner, clock, turn } = setup();
    const controller = new AbortController();
    const waiting = turn('a', 0, 0, 600_000, controller.signal);
    expect(planner.waiting).toBe(1);
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    expect(planner.waiting).toBe(0);
    await clock.advance(5_000);
  });

  it('learns only from the most recent tasks', async () => {
    const { planner, clock, grants, turn } = setup({ history: [1_000, 1_000, 1_000, 1_000, 1_000] });
    for (let i = 0; i < 100; i += 1) planner.recordGenerationTime(30_000);
    // Tasks now take 30 s: a 2 s old task last polled at 0.5 s is not worth a poll before aging makes it one
    // (the forgotten 1 s tasks would have made it one at once).
    await clock.advance(2_000);
    void turn('a', 0, 500);
    await clock.advance(1_400);
    expect(grants).toEqual([]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new PollPlanner({ pollsPerSecond: 0 })).toThrow(RangeError);
  });
});
