import { describe, expect, it } from 'vitest';
import { SlidingWindowBudget, createKieBudgets } from '../../src/kie/index.js';
import type { SetTimer } from '../../src/clock.js';

/** A manual clock: timers fire only inside advance(), in time order. */
class FakeClock {
  time = 0;
  private timers: { at: number; id: number; fire: () => void }[] = [];
  private nextId = 0;

  readonly now = (): number => this.time;

  readonly setTimer: SetTimer = (fire, ms) => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, id, fire });
    return () => {
      this.timers = this.timers.filter((timer) => timer.id !== id);
    };
  };

  get pendingTimers(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    await flush(); // let callbacks of grants made so far see the current time
    const target = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (next === undefined || next.at > target) break;
      this.timers.shift();
      this.time = next.at;
      next.fire();
      await flush();
    }
    this.time = target;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
}

function budgetWith(clock: FakeClock, limit: number, windowMs: number, safetyMarginMs = 0): SlidingWindowBudget {
  return new SlidingWindowBudget({ limit, windowMs, safetyMarginMs, now: clock.now, setTimer: clock.setTimer });
}

describe('SlidingWindowBudget', () => {
  it('grants up to the limit at once, then strictly in arrival order as the window slides', async () => {
    const clock = new FakeClock();
    const budget = budgetWith(clock, 2, 1_000);
    const granted: string[] = [];
    const positions: Record<string, number[]> = { a: [], b: [], c: [], d: [], e: [] };
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      void budget.acquire({ onPosition: (position) => positions[name]!.push(position) }).then(() => granted.push(name));
    }
    await flush();
    expect(granted).toEqual(['a', 'b']);
    expect(budget.queued).toBe(3);
    expect(positions).toEqual({ a: [], b: [], c: [1], d: [2], e: [3] });

    await clock.advance(999);
    expect(granted).toEqual(['a', 'b']);

    await clock.advance(1);
    expect(granted).toEqual(['a', 'b', 'c', 'd']);
    expect(positions).toEqual({ a: [], b: [], c: [1, 0], d: [2, 0], e: [3, 1] });

    await clock.advance(1_000);
    expect(granted).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(positions['e']).toEqual([3, 1, 0]);
    expect(budget.queued).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('slides per grant, not per fixed bucket', async () => {
    const clock = new FakeClock();
    const budget = budgetWith(clock, 2, 1_000);
    const grantedAt: Record<string, number> = {};
    const take = (name: string): void => {
      void budget.acquire().then(() => {
        grantedAt[name] = clock.time;
      });
    };
    take('a');
    await clock.advance(300);
    take('b');
    await clock.advance(200);
    take('c'); // t=500: a (0) and b (300) are both inside the window
    await clock.advance(100);
    take('d'); // t=600
    await clock.advance(2_000);
    expect(grantedAt).toEqual({ a: 0, b: 300, c: 1_000, d: 1_300 });
  });

  it('never exceeds the limit in any window and keeps FIFO order under random load', async () => {
    const clock = new FakeClock();
    const limit = 3;
    const windowMs = 1_000;
    const budget = budgetWith(clock, limit, windowMs);
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const grants: { index: number; at: number }[] = [];
    for (let index = 0; index < 40; index += 1) {
      void budget.acquire().then(() => grants.push({ index, at: clock.time }));
      await clock.advance(Math.floor(random() * 400));
    }
    await clock.advance(20_000);
    expect(grants.map((grant) => grant.index)).toEqual([...Array(40).keys()]);
    for (let i = limit; i < grants.length; i += 1) {
      expect(grants[i]!.at - grants[i - limit]!.at).toBeGreaterThanOrEqual(windowMs);
    }
  });

  it('removes an aborted waiter, rejects it with the reason and moves the others up', async () => {
    const clock = new FakeClock();
    const budget = budgetWith(clock, 1, 1_000);
    await budget.acquire();
    const controller = new AbortController();
    const bPositions: number[] = [];
    const cPositions: number[] = [];
    const b = budget.acquire({ signal: controller.signal, onPosition: (position) => bPositions.push(position) });
    let cGranted = false;
    void budget.acquire({ onPosition: (position) => cPositions.push(position) }).then(() => {
      cGranted = true;
    });
    expect(cPositions).toEqual([2]);

    controller.abort(new Error('gave up'));
    await expect(b).rejects.toThrow('gave up');
    expect(bPositions).toEqual([1]);
    expect(cPositions).toEqual([2, 1]);
    expect(budget.queued).toBe(1);

    await clock.advance(1_000);
    expect(cGranted).toBe(true);
    expect(cPositions).toEqual([2, 1, 0]);
  });

  it('rejects an already aborted acquire without using a slot', async () => {
    const clock = new FakeClock();
    const budget = budgetWith(clock, 1, 1_000);
    await expect(budget.acquire({ signal: AbortSignal.abort(new Error('too late')) })).rejects.toThrow('too late');
    let granted = false;
    void budget.acquire().then(() => {
      granted = true;
    });
    await flush();
    expect(granted).toBe(true);
  });

  it('keeps serving the queue when a progress callback throws', async () => {
    const clock = new FakeClock();
    const budget = budgetWith(clock, 1, 100);
    await budget.acquire();
    const granted: string[] = [];
    void budget
      .acquire({
        onPosition: () => {
          throw new Error('display broke');
        },
      })
      .then(() => granted.push('b'));
    void budget.acquire().then(() => granted.push('c'));
    await clock.advance(200);
    expect(granted).toEqual(['b', 'c']);
  });

  it('widens the window by the safety margin', async () => {
    const clock = new FakeClock();
    const budget = budgetWith(clock, 1, 1_000, 100);
    await budget.acquire();
    let grantedAt: number | undefined;
    void budget.acquire().then(() => {
      grantedAt = clock.time;
    });
    await clock.advance(1_000);
    expect(grantedAt).toBeUndefined();
    await clock.advance(100);
    expect(grantedAt).toBe(1_100);
  });

  it('defaults to KIE limits plus margin: 20 creates per 10.5 s, 10 polls per 1.1 s', async () => {
    const clock = new FakeClock();
    const budgets = createKieBudgets({ now: clock.now, setTimer: clock.setTimer });
    const createGrants: number[] = [];
    const pollGrants: number[] = [];
    for (let i = 0; i < 21; i += 1) void budgets.create.acquire().then(() => createGrants.push(clock.time));
    for (let i = 0; i < 11; i += 1) void budgets.poll.acquire().then(() => pollGrants.push(clock.time));
    await clock.advance(20_000);
    expect(createGrants).toEqual([...Array(20).fill(0), 10_500]);
    expect(pollGrants).toEqual([...Array(10).fill(0), 1_100]);
  });

  it('rejects nonsense limits', () => {
    expect(() => new SlidingWindowBudget({ limit: 0, windowMs: 1_000 })).toThrow(RangeError);
    expect(() => new SlidingWindowBudget({ limit: 1, windowMs: 0 })).toThrow(RangeError);
  });
});

describe('SlidingWindowBudget with holdUntil (window measured from answers)', () => {
  it('counts a grant as current while its request is in flight, then dates it to the answer', async () => {
    const clock = new FakeClock();
    const budget = budgetWith(clock, 1, 1_000);
    let finishFirst!: () => void;
    const firstOver = new Promise<void>((resolve) => (finishFirst = resolve));
    const granted: string[] = [];
    void budget.acquire({ holdUntil: firstOver }).then(() => granted.push('a'));
    void budget.acquire().then(() => granted.push('b'));
    await flush();
    expect(granted).toEqual(['a']);

    // a's request is still in flight after 5 s: its slot stays taken, whatever the window.
    await clock.advance(5_000);
    expect(granted).toEqual(['a']);

    // Its answer comes at t=5000, so the window counts from then: b waits until t=6000.
    finishFirst();
    await clock.advance(999);
    expect(granted).toEqual(['a']);
    await clock.advance(1);
    expect(granted).toEqual(['a', 'b']);
  });

  it('a request already over when granted is dated at the grant', async () => {
    const clock = new FakeClock();
    const budget = budgetWith(clock, 1, 1_000);
    const granted: number[] = [];
    void budget.acquire({ holdUntil: Promise.resolve() }).then(() => granted.push(clock.time));
    void budget.acquire().then(() => granted.push(clock.time));
    await clock.advance(1_000);
    expect(granted).toEqual([0, 1_000]);
  });
});
