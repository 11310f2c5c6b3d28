import { systemClock } from '../clock.js';
import type { KieClient } from './client.js';
import { KieError } from './errors.js';
import { pollSchedule } from './poll-schedule.js';
import { exponentialBackoff } from '../util/retry.js';
import { sleep as defaultSleep } from '../util/sleep.js';
import type { Sleep } from '../util/sleep.js';
import type { TaskRecord } from './types.js';
import type { TaskWaker } from './waker.js';
import type { PollPlanner } from './poll-planner.js';

export interface WatchTaskOptions {
  /** Measured from startedAt: how long the task may take in total. */
  timeoutMs: number;
  /** When the task was created (ms, same clock as now); defaults to now. Lets a restarted bot resume a watch. */
  startedAt?: number | undefined;
  now?: (() => number) | undefined;
  sleep?: Sleep | undefined;
  signal?: AbortSignal | undefined;
  /** Called with every record read; errors it throws are ignored so they cannot end the watch. */
  onUpdate?: ((record: TaskRecord) => void) | undefined;
  /** Pause before the next poll, given the task's age; defaults to pollSchedule. */
  schedule?: ((elapsedMs: number) => number) | undefined;
  /** How many consecutive "task not found" answers to tolerate (KIE may not know a fresh task yet). */
  notFoundRetries?: number | undefined;
  /** When given, pauses go through it so a callback can trigger the next poll early. */
  waker?: TaskWaker | undefined;
  onQueuePosition?: ((position: number) => void) | undefined;
  /**
   * When given, polls wait for their turn from the planner (which learns from each success's generation
   * time) instead of following `schedule`; pauses after errors still back off.
   */
  planner?: Pick<PollPlanner, 'waitTurn' | 'recordGenerationTime'> | undefined;
}

export const DEFAULT_NOT_FOUND_RETRIES = 5;
/** The pause after consecutive errors: 2 s, doubling up to 30 s. */
const ERROR_BACKOFF = { baseDelayMs: 2_000, maxDelayMs: 30_000 };

/**
 * Polls a task until it succeeds (returns the record) or fails (KieError 'task_failed'). Transient errors
 * never end the watch before timeoutMs; they only lengthen the pauses. Non-transient errors (auth, credits…)
 * end it at once. At the deadline it polls one last time, then throws KieError 'task_timeout'.
 */
export async function watchTask(
  client: Pick<KieClient, 'getTask'>,
  taskId: string,
  options: WatchTaskOptions,
): Promise<TaskRecord> {
  const now = options.now ?? systemClock.now;
  const sleep = options.sleep ?? defaultSleep;
  const schedule = options.schedule ?? pollSchedule;
  const notFoundRetries = options.notFoundRetries ?? DEFAULT_NOT_FOUND_RETRIES;
  const { signal, waker, planner } = options;
  const startedAt = options.startedAt ?? now();
  const deadline = startedAt + options.timeoutMs;
  const pause = (ms: number): Promise<void> => (waker === undefined ? sleep(ms, signal) : waker.sleep(taskId, ms, signal));
  const getTaskOptions = { signal, onQueuePosition: options.onQueuePosition };

  const release = waker?.track(taskId);
  let lastRecord: TaskRecord | undefined;
  let notFoundStreak = 0;
  let errorStreak = 0;
  try {
    for (;;) {
      signal?.throwIfAborted();
      let record: TaskRecord | undefined;
      try {
        record = await client.getTask(taskId, getTaskOptions);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (!(error instanceof KieError)) throw error;
        if (error.kind === 'not_found') {
          notFoundStreak += 1;
          if (notFoundStreak > notFoundRetries) throw error.with({ taskId, transient: false });
        } else if (error.transient) {
          errorStreak += 1;
        } else {
          throw error.taskId === undefined ? error.with({ taskId }) : error;
        }
      }

      const polledAt = now();
      if (record !== undefined) {
        notFoundStreak = 0;
        errorStreak = 0;
        lastRecord = record;
        try {
          options.onUpdate?.(record);
        } catch {
          // Progress display problems must not abandon a task that is being billed.
        }
        if (record.state === 'success') {
          planner?.recordGenerationTime(generationTime(record, polledAt - startedAt));
          if (record.resultUrls.length > 0) return record;
          throw new KieError({
            kind: 'bad_response',
            message: `KIE task ${taskId} succeeded without any result URL`,
            transient: false,
            taskId,
            record,
          });
        }
        if (record.state === 'fail') {
          const reason = [record.failCode, record.failMsg].filter((part) => part !== null).join(' ');
          throw new KieError({
            kind: 'task_failed',
            message: `KIE task ${taskId} failed${reason === '' ? '' : `: ${reason}`}`,
            transient: false,
            kieMessage: record.failMsg ?? undefined,
            taskId,
            record,
          });
        }
      }

      const current = now();
      const remaining = deadline - current;
      if (remaining <= 0) {
        throw new KieError({
          kind: 'task_timeout',
          message: `KIE task ${taskId} did not finish within ${options.timeoutMs} ms (last state: ${lastRecord?.state ?? 'unknown'})`,
          transient: false,
          taskId,
          record: lastRecord,
        });
      }
      if (planner !== undefined && errorStreak === 0) {
        await planner.waitTurn({ taskId, startedAt, lastPolledAt: polledAt, maxWaitMs: remaining, signal });
        continue;
      }
      let delay = schedule(current - startedAt);
      if (errorStreak > 0) {
        delay = Math.max(delay, exponentialBackoff(ERROR_BACKOFF, errorStreak));
      }
      await pause(Math.max(0, Math.min(delay, remaining)));
    }
  } finally {
    release?.();
  }
}

/** KIE's own timestamps when they make sense; otherwise the age at which the bot saw the task finished. */
function generationTime(record: TaskRecord, observedMs: number): number {
  const { createTime, completeTime } = record;
  if (createTime !== null && completeTime !== null && completeTime >= createTime && completeTime - createTime <= observedMs + 60_000) {
    return completeTime - createTime;
  }
  return observedMs;
}
