import { describe, expect, it } from 'vitest';
import { KieError, TaskWaker, pollSchedule, watchTask } from '../../src/kie/index.js';
import type { TaskRecord } from '../../src/kie/index.js';
import { rejectionOf } from '../helpers/rejection.js';

const TASK = 'e989621f54392584b05867f87b160672';
const START = 1_700_000_000_000;

type Step = string | KieError | TaskRecord;

function record(state: string, extra: Partial<TaskRecord> = {}): TaskRecord {
  return {
    taskId: TASK,
    state,
    resultUrls: state === 'success' ? ['https://tempfile.example/a.png'] : [],
    failCode: null,
    failMsg: null,
    costTimeSeconds: null,
    createTime: START,
    completeTime: null,
    creditsConsumed: null,
    ...extra,
  };
}

const serverError = (): KieError => new KieError({ kind: 'server', message: 'KIE getTask: server error (HTTP 502)', httpStatus: 502 });
const networkError = (): KieError => new KieError({ kind: 'network', message: 'KIE getTask: network error' });
const notFound = (): KieError => new KieError({ kind: 'not_found', message: 'KIE getTask: not found', code: 422 });

/** A getTask that plays steps in order (repeating the last), on a clock that only moves when the watch sleeps. */
function scripted(steps: Step[]) {
  let time = START;
  const callTimes: number[] = [];
  const sleeps: number[] = [];
  const client = {
    getTask: async (taskId: string): Promise<TaskRecord> => {
      expect(taskId).toBe(TASK);
      callTimes.push(time - START);
      const step = steps.length > 1 ? steps.shift()! : steps[0]!;
      if (step instanceof KieError) throw step;
      return typeof step === 'string' ? record(step) : step;
    },
  };
  return {
    client,
    callTimes,
    sleeps,
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    },
  };
}

const watchError = (promise: Promise<unknown>) => rejectionOf(promise, KieError);

describe('watchTask', () => {
  it('polls on the schedule until success and reports every record', async () => {
    const script = scripted(['waiting', 'queuing', 'generating', 'generating', 'success']);
    const seen: string[] = [];
    const elapsedAsked: number[] = [];
    const result = await watchTask(script.client, TASK, {
      timeoutMs: 60_000,
      now: script.now,
      sleep: script.sleep,
      schedule: (elapsed) => {
        elapsedAsked.push(elapsed);
        return 2_000;
      },
      onUpdate: (update) => seen.push(update.state),
    });
    expect(result.state).toBe('success');
    expect(result.resultUrls).toEqual(['https://tempfile.example/a.png']);
    expect(seen).toEqual(['waiting', 'queuing', 'generating', 'generating', 'success']);
    expect(script.callTimes).toEqual([0, 2_000, 4_000, 6_000, 8_000]);
    expect(elapsedAsked).toEqual([0, 2_000, 4_000, 6_000]);
  });

  it('throws task_failed with failCode and failMsg', async () => {
    const failed = record('fail', { failCode: '500', failMsg: 'internal error, please try again later.' });
    const script = scripted(['generating', failed]);
    const error = await watchError(
      watchTask(script.client, TASK, { timeoutMs: 60_000, now: script.now, sleep: script.sleep, schedule: () => 1_000 }),
    );
    expect(error).toMatchObject({ kind: 'task_failed', transient: false, taskId: TASK, kieMessage: failed.failMsg, record: failed });
    expect(error.message).toContain('500 internal error');
  });

  it('treats unknown states as still running', async () => {
    const script = scripted(['processing', 'failed-ish', 'success']);
    const result = await watchTask(script.client, TASK, { timeoutMs: 60_000, now: script.now, sleep: script.sleep, schedule: () => 1_000 });
    expect(result.state).toBe('success');
    expect(script.callTimes).toHaveLength(3);
  });

  it('never lets transient errors end the watch before the timeout; it backs off and polls at the deadline', async () => {
    const script = scripted([serverError()]);
    const error = await watchError(
      watchTask(script.client, TASK, { timeoutMs: 60_000, now: script.now, sleep: script.sleep, schedule: () => 1_000 }),
    );
    expect(error).toMatchObject({ kind: 'task_timeout', transient: false, taskId: TASK, record: undefined });
    expect(script.sleeps).toEqual([2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(script.callTimes.at(-1)).toBe(60_000);
  });

  it('resets the backoff once a poll works again', async () => {
    const script = scripted([serverError(), networkError(), 'generating', serverError(), 'success']);
    const result = await watchTask(script.client, TASK, { timeoutMs: 600_000, now: script.now, sleep: script.sleep, schedule: () => 1_000 });
    expect(result.state).toBe('success');
    expect(script.sleeps).toEqual([2_000, 4_000, 1_000, 2_000]);
  });

  it('tolerates notFoundRetries "not found" answers, then gives up with not_found', async () => {
    const recovering = scripted([notFound(), notFound(), 'success']);
    const result = await watchTask(recovering.client, TASK, {
      timeoutMs: 60_000,
      now: recovering.now,
      sleep: recovering.sleep,
      schedule: () => 1_000,
      notFoundRetries: 2,
    });
    expect(result.state).toBe('success');

    const missing = scripted([notFound()]);
    const error = await watchError(
      watchTask(missing.client, TASK, { timeoutMs: 60_000, now: missing.now, sleep: missing.sleep, schedule: () => 1_000, notFoundRetries: 2 }),
    );
    expect(error).toMatchObject({ kind: 'not_found', taskId: TASK, transient: false });
    expect(missing.callTimes).toHaveLength(3);
  });

  it('defaults to 5 not-found retries', async () => {
    const missing = scripted([notFound()]);
    await watchError(watchTask(missing.client, TASK, { timeoutMs: 600_000, now: missing.now, sleep: missing.sleep, schedule: () => 1_000 }));
    expect(missing.callTimes).toHaveLength(6);
  });

  it('ends at once on a non-transient error such as auth', async () => {
    const script = scripted(['generating', new KieError({ kind: 'auth', message: 'KIE getTask: the API key was refused', code: 401 })]);
    const error = await watchError(
      watchTask(script.client, TASK, { timeoutMs: 60_000, now: script.now, sleep: script.sleep, schedule: () => 1_000 }),
    );
    expect(error).toMatchObject({ kind: 'auth', taskId: TASK });
    expect(script.callTimes).toHaveLength(2);
  });

  it('times out a stuck task with its last record, after a final poll at the deadline', async () => {
    const script = scripted(['generating']);
    const error = await watchError(
      watchTask(script.client, TASK, { timeoutMs: 10_000, now: script.now, sleep: script.sleep, schedule: () => 3_000 }),
    );
    expect(error).toMatchObject({ kind: 'task_timeout', record: record('generating') });
    expect(error.message).toContain('generating');
    expect(script.callTimes).toEqual([0, 3_000, 6_000, 9_000, 10_000]);
  });

  it('counts the timeout from startedAt (resuming after a restart)', async () => {
    const stuck = scripted(['generating']);
    const error = await watchError(
      watchTask(stuck.client, TASK, { timeoutMs: 10_000, startedAt: START - 10_001, now: stuck.now, sleep: stuck.sleep }),
    );
    expect(error.kind).toBe('task_timeout');
    expect(stuck.callTimes).toEqual([0]);

    const done = scripted(['success']);
    const result = await watchTask(done.client, TASK, { timeoutMs: 10_000, startedAt: START - 60_000, now: done.now, sleep: done.sleep });
    expect(result.state).toBe('success');
  });

  it('rejects a success without result URLs as bad_response', async () => {
    const script = scripted([record('success', { resultUrls: [] })]);
    const error = await watchError(watchTask(script.client, TASK, { timeoutMs: 60_000, now: script.now, sleep: script.sleep }));
    expect(error).toMatchObject({ kind: 'bad_response', transient: false, taskId: TASK });
  });

  it('keeps watching when onUpdate throws', async () => {
    const script = scripted(['generating', 'success']);
    const result = await watchTask(script.client, TASK, {
      timeoutMs: 60_000,
      now: script.now,
      sleep: script.sleep,
      schedule: () => 1_000,
      onUpdate: () => {
        throw new Error('Discord edit failed');
      },
    });
    expect(result.state).toBe('success');
  });

  it('stops with the abort reason when the signal aborts during a pause', async () => {
    const controller = new AbortController();
    const client = { getTask: async () => record('generating') };
    const watching = watchTask(client, TASK, { timeoutMs: 60_000, signal: controller.signal, schedule: () => 60_000 });
    setTimeout(() => controller.abort(new Error('shutting down')), 10);
    await expect(watching).rejects.toThrow('shutting down');
  });
});

describe('TaskWaker', () => {
  /** A pause that only ends when its signal aborts. */
  const endlessSleep = (_ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));

  it('lets a callback cut the current pause short', async () => {
    const waker = new TaskWaker({ sleep: endlessSleep });
    const steps = ['generating', 'success'];
    let polls = 0;
    const client = {
      getTask: async () => {
        polls += 1;
        return record(steps.shift() ?? 'success');
      },
    };
    const watching = watchTask(client, TASK, { timeoutMs: 600_000, waker, schedule: () => 600_000 });
    // The first poll has happened once the watch is tracked and pausing.
    await expect.poll(() => polls).toBe(1);
    expect(waker.wake('someone-else')).toBe(false);
    expect(waker.wake(TASK)).toBe(true);
    const result = await watching;
    expect(result.state).toBe('success');
    expect(polls).toBe(2);
    expect(waker.wake(TASK)).toBe(false); // no longer tracked once the watch ends
  });

  it('remembers a wake that arrives during a poll and skips the next pause', async () => {
    const waker = new TaskWaker({ sleep: endlessSleep });
    const steps = ['generating', 'success'];
    const client = {
      getTask: async () => {
        const state = steps.shift() ?? 'success';
        if (state === 'generating') waker.wake(TASK); // the callback lands while this poll is in flight
        return record(state);
      },
    };
    const result = await watchTask(client, TASK, { timeoutMs: 600_000, waker, schedule: () => 600_000 });
    expect(result.state).toBe('success');
  });

  it('still rejects with the caller abort reason', async () => {
    const waker = new TaskWaker({ sleep: endlessSleep });
    const release = waker.track(TASK);
    const controller = new AbortController();
    const pause = waker.sleep(TASK, 1_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pause).rejects.toThrow('stop');
    release();
  });
});

describe('watchTask with a poll planner', () => {
  it('waits for its turn between polls and teaches the planner KIE\'s generation time', async () => {
    const script = scripted(['generating', 'generating', record('success', { createTime: START, completeTime: START + 4_321 })]);
    const turns: Array<{ lastPolledAt: number; maxWaitMs: number }> = [];
    const learned: number[] = [];
    const planner = {
      waitTurn: async (turn: { lastPolledAt: number; maxWaitMs: number }) => {
        turns.push({ lastPolledAt: turn.lastPolledAt - START, maxWaitMs: turn.maxWaitMs });
        await script.sleep(1_000);
      },
      recordGenerationTime: (ms: number) => learned.push(ms),
    };
    const result = await watchTask(script.client, TASK, { timeoutMs: 60_000, now: script.now, sleep: script.sleep, startedAt: START, planner });
    expect(result.state).toBe('success');
    expect(turns).toEqual([
      { lastPolledAt: 0, maxWaitMs: 60_000 },
      { lastPolledAt: 1_000, maxWaitMs: 59_000 },
    ]);
    expect(learned).toEqual([4_321]);
  });

  it('learns the age at which it saw the success when KIE\'s timestamps are missing', async () => {
    const script = scripted(['generating', record('success', { createTime: null, completeTime: null })]);
    const learned: number[] = [];
    const planner = { waitTurn: () => script.sleep(2_500), recordGenerationTime: (ms: number) => learned.push(ms) };
    await watchTask(script.client, TASK, { timeoutMs: 60_000, now: script.now, sleep: script.sleep, startedAt: START, planner });
    expect(learned).toEqual([2_500]);
  });

  it('backs off after errors instead of asking the planner', async () => {
    const script = scripted([serverError(), 'success']);
    const planner = { waitTurn: async () => expect.unreachable('no turn after an error'), recordGenerationTime: () => undefined };
    await watchTask(script.client, TASK, { timeoutMs: 60_000, now: script.now, sleep: script.sleep, startedAt: START, planner });
    expect(script.sleeps[0]).toBeGreaterThanOrEqual(2_000);
  });
});

describe('pollSchedule', () => {
  it('polls every 2–3 s for 30 s, ~5 s until 2 min, 10–15 s after, with jitter', () => {
    const at = (elapsed: number): [number, number] => [pollSchedule(elapsed, () => 0), pollSchedule(elapsed, () => 0.999_999)];
    expect(at(0)).toEqual([2_000, 3_000]);
    expect(at(29_999)).toEqual([2_000, 3_000]);
    expect(at(30_000)).toEqual([4_500, 5_500]);
    expect(at(119_999)).toEqual([4_500, 5_500]);
    expect(at(120_000)).toEqual([10_000, 15_000]);
    expect(at(3_600_000)).toEqual([10_000, 15_000]);
    expect(pollSchedule(10_000, () => 0.5)).toBe(2_500);
  });
});
