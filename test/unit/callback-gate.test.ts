import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefusalLog } from '../../src/callbacks/refusal-log.js';
import { CallbackWakeGate } from '../../src/callbacks/wake-gate.js';
import type { Logger } from '../../src/log.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function gate() {
  const woken: string[] = [];
  const g = new CallbackWakeGate({ replayWindowMs: 300_000, minWakeIntervalMs: 1_000, wake: (taskId) => woken.push(taskId), now: Date.now });
  return { g, woken };
}

describe('CallbackWakeGate', () => {
  it('wakes a task once per (task, timestamp): a replay wakes nothing, even much later', () => {
    const { g, woken } = gate();
    expect(g.admit('t1', '100')).toBe('wake');
    vi.advanceTimersByTime(5_000);
    expect(g.admit('t1', '100')).toBe('replayed');
    vi.advanceTimersByTime(250_000);
    expect(g.admit('t1', '100')).toBe('replayed');
    expect(woken).toEqual(['t1']);
  });

  it('wakes one task at most once a second and holds one wake back for the end of the second', () => {
    const { g, woken } = gate();
    expect(g.admit('t1', '100')).toBe('wake');
    vi.advanceTimersByTime(200);
    expect(g.admit('t1', '101')).toBe('deferred');
    expect(g.admit('t1', '102')).toBe('deferred');
    expect(g.admit('t2', '100')).toBe('wake');
    expect(woken).toEqual(['t1', 't2']);
    vi.advanceTimersByTime(799);
    expect(woken).toEqual(['t1', 't2']);
    vi.advanceTimersByTime(1);
    expect(woken).toEqual(['t1', 't2', 't1']);
    vi.advanceTimersByTime(5_000);
    expect(woken).toEqual(['t1', 't2', 't1']);
  });

  it('forgets pairs once their signatures can no longer be fresh', () => {
    const { g } = gate();
    for (let i = 0; i < 1_000; i++) g.admit(`t${i}`, '100');
    vi.advanceTimersByTime(600_001);
    g.admit('other', '1');
    expect((g as unknown as { seen: Map<string, number> }).seen.size).toBe(1);
    expect((g as unknown as { lastWake: Map<string, number> }).lastWake.size).toBe(1);
  });

  it('close() drops the wakes held back', () => {
    const { g, woken } = gate();
    g.admit('t1', '1');
    g.admit('t1', '2');
    g.close();
    vi.advanceTimersByTime(2_000);
    expect(woken).toEqual(['t1']);
  });
});

describe('RefusalLog', () => {
  function log() {
    const lines: { count: number; lastReason: string }[] = [];
    const logger = { warn: (fields: { count: number; lastReason: string }) => lines.push(fields) } as unknown as Logger;
    return { refusals: new RefusalLog(logger, 60_000, Date.now), lines };
  }

  it('logs the first refusal at once and the rest of the minute as one line with a count', () => {
    const { refusals, lines } = log();
    refusals.refused('signature');
    expect(lines).toEqual([expect.objectContaining({ count: 1, lastReason: 'signature' })]);
    for (let i = 0; i < 500; i++) refusals.refused(i % 2 ? 'size' : 'path');
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(60_000);
    expect(lines).toEqual([expect.objectContaining({ count: 1 }), expect.objectContaining({ count: 500, lastReason: 'size' })]);
    vi.advanceTimersByTime(600_000);
    expect(lines).toHaveLength(2);
    refusals.refused('method');
    expect(lines.at(-1)).toMatchObject({ count: 1, lastReason: 'method' });
    refusals.close();
  });
});
