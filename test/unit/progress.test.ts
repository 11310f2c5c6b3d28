import { captureLogs } from '../helpers/log-capture.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ProgressReporter, type ProgressReporterOptions, type ProgressState } from '../../src/jobs/progress.js';

const INTERVAL = 1500;

interface Harness {
  reporter: ProgressReporter;
  sent: Array<{ text: string; at: number }>;
  logLines: Array<Record<string, unknown>>;
}

function harness(overrides: Partial<ProgressReporterOptions> = {}): Harness {
  const sent: Harness['sent'] = [];
  const logs = captureLogs();
  const logLines = logs.lines;
  const logger = createLogger({ level: 'debug', destination: logs.destination });
  const reporter = new ProgressReporter({
    render: (state: ProgressState) => (state.queuePosition ? `#${state.queuePosition}` : state.state),
    send: async (text) => {
      sent.push({ text, at: Date.now() });
    },
    canSend: () => true,
    minIntervalMs: INTERVAL,
    now: () => Date.now(),
    logger,
    ...overrides,
  });
  return { reporter, sent, logLines };
}

describe('ProgressReporter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first update right away', async () => {
    const { reporter, sent } = harness();
    reporter.update({ state: 'waiting' });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([{ text: 'waiting', at: 1_000_000 }]);
  });

  it('holds the first edit back for firstEditDelayMs, then sends the latest state', async () => {
    const { reporter, sent } = harness({ firstEditDelayMs: 1_000 });
    reporter.update({ state: 'waiting', queuePosition: 9 });
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toEqual([]);
    reporter.update({ state: 'waiting', queuePosition: 3 });
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([{ text: '#3', at: 1_001_000 }]);
  });

  it('edits only when the rendered text changes', async () => {
    const { reporter, sent } = harness();
    reporter.update({ state: 'waiting' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    reporter.update({ state: 'waiting' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    reporter.update({ state: 'waiting' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    expect(sent.map((edit) => edit.text)).toEqual(['waiting']);
    reporter.update({ state: 'generating' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    expect(sent.map((edit) => edit.text)).toEqual(['waiting', 'generating']);
  });

  it('never edits more often than the interval and sends the latest state when it elapses', async () => {
    const { reporter, sent } = harness();
    reporter.update({ state: 'a' });
    await vi.advanceTimersByTimeAsync(0);
    for (const state of ['b', 'c', 'd', 'e']) {
      await vi.advanceTimersByTimeAsync(100);
      reporter.update({ state });
    }
    // 400 ms after the first edit: nothing new may have gone out yet.
    expect(sent.map((edit) => edit.text)).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(INTERVAL - 401);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((edit) => edit.text)).toEqual(['a', 'e']);
    expect((sent[1]?.at ?? 0) - (sent[0]?.at ?? 0)).toBe(INTERVAL);
  });

  it('keeps at least the interval between edits under a steady stream of changes', async () => {
    const { reporter, sent } = harness();
    for (let step = 0; step < 100; step += 1) {
      reporter.update({ state: `s${step}` });
      await vi.advanceTimersByTimeAsync(70);
    }
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(sent.length).toBeGreaterThan(3);
    for (let index = 1; index < sent.length; index += 1) {
      expect((sent[index]?.at ?? 0) - (sent[index - 1]?.at ?? 0)).toBeGreaterThanOrEqual(INTERVAL);
    }
    expect(sent.at(-1)?.text).toBe('s99');
  });

  it('waits out the rest of the interval after a quiet spell, then sends at once', async () => {
    const { reporter, sent } = harness();
    reporter.update({ state: 'a' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    reporter.update({ state: 'b' });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((edit) => edit.text)).toEqual(['a', 'b']);
  });

  it('uses the injected clock to decide how long to wait', async () => {
    let now = 0;
    const { reporter, sent } = harness({ now: () => now });
    reporter.update({ state: 'a' });
    await vi.advanceTimersByTimeAsync(0);
    // The clock says a whole interval has passed although no timer time has: the next edit may go at once.
    now += INTERVAL;
    reporter.update({ state: 'b' });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((edit) => edit.text)).toEqual(['a', 'b']);
  });

  it('stop() cancels a pending edit', async () => {
    const { reporter, sent } = harness();
    reporter.update({ state: 'a' });
    await vi.advanceTimersByTimeAsync(0);
    reporter.update({ state: 'b' });
    await reporter.stop();
    reporter.update({ state: 'c' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(sent.map((edit) => edit.text)).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() waits for an edit already on its way', async () => {
    let release: () => void = () => {};
    const finished: string[] = [];
    const { reporter } = harness({
      send: (text) =>
        new Promise<void>((resolve) => {
          release = () => {
            finished.push(text);
            resolve();
          };
        }),
    });
    reporter.update({ state: 'a' });
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = reporter.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    expect(finished).toEqual(['a']);
  });

  it('sends nothing while canSend() is false', async () => {
    let allowed = false;
    const { reporter, sent } = harness({ canSend: () => allowed });
    reporter.update({ state: 'a' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    reporter.update({ state: 'b' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    expect(sent).toEqual([]);
    allowed = true;
    reporter.update({ state: 'c' });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((edit) => edit.text)).toEqual(['c']);
  });

  it('logs a failing edit instead of throwing, and keeps going', async () => {
    let fail = true;
    const delivered: string[] = [];
    const { reporter, logLines } = harness({
      send: async (text) => {
        if (fail) throw new Error('Unknown Webhook');
        delivered.push(text);
      },
    });
    reporter.update({ state: 'a' });
    await vi.advanceTimersByTimeAsync(0);
    expect(logLines.some((line) => line.msg === 'progress edit failed')).toBe(true);
    fail = false;
    reporter.update({ state: 'b' });
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(delivered).toEqual(['b']);
    await expect(reporter.stop()).resolves.toBeUndefined();
  });

  it('sends edits in order even when one is slow', async () => {
    const order: string[] = [];
    const { reporter } = harness({
      send: async (text) => {
        await new Promise((resolve) => setTimeout(resolve, text === 'a' ? INTERVAL * 3 : 1));
        order.push(text);
      },
    });
    reporter.update({ state: 'a' });
    await vi.advanceTimersByTimeAsync(INTERVAL);
    reporter.update({ state: 'b' });
    await vi.advanceTimersByTimeAsync(INTERVAL * 5);
    await reporter.stop();
    expect(order).toEqual(['a', 'b']);
  });
});
