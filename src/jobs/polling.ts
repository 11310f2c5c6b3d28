import { PollPlanner, safetyNetPollSchedule, type TaskWaker } from '../kie/index.js';
import type { Polling } from './runner.js';

/** The poll rate the shared budget grants (KIE allows 10 per second; the budget keeps a margin). */
const POLLS_PER_SECOND = 9;

export interface PollingOptions {
  /** The poll planner's shortest pause between two polls of one task (tests with sub-second tasks). */
  minIntervalMs?: number;
  /** Every task polled on its own at this fixed pause instead (the naive benchmark baseline's choice). */
  fixedIntervalMs?: number;
}

/**
 * How jobs look at their tasks. Bot processes share KIE's poll rate, through Redis or by taking equal parts
 * of it. With callbacks, polls are only a slow safety net; without, a planner spends them where a finished
 * task is likeliest.
 */
export function choosePolling(context: { callbacks: boolean; processes: number; waker: TaskWaker }, options: PollingOptions = {}): Polling {
  const { fixedIntervalMs, minIntervalMs } = options;
  if (fixedIntervalMs !== undefined) return { schedule: () => fixedIntervalMs };
  const pollsPerSecond = POLLS_PER_SECOND / context.processes;
  if (context.callbacks) return { schedule: safetyNetPollSchedule({ watching: () => context.waker.watching, pollsPerSecond }) };
  return { planner: new PollPlanner({ pollsPerSecond, ...(minIntervalMs === undefined ? {} : { minIntervalMs }) }) };
}
