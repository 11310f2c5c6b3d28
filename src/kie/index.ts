export * from './types.js';
export { KieError, classifyKieCode, classifyHttpStatus, sanitizeKieMessage } from './errors.js';
export type { KieErrorInit } from './errors.js';
export { KieClient, DefaultKieClientOptions, DEFAULT_USER_AGENT, inputProblem } from './client.js';
export type { KieClientOptions, CreateTaskOptions, GetTaskOptions, RetryPolicy } from './client.js';
export {
  SlidingWindowBudget,
  createKieBudgets,
  shareOfKieBudgets,
  tunedKieBudgets,
  KIE_CREATE_LIMIT,
  KIE_POLL_LIMIT,
  DEFAULT_CREATE_MARGIN_MS,
  DEFAULT_POLL_MARGIN_MS,
} from './budget.js';
export type { AcquireOptions } from './acquire-options.js';
export type { RequestBudget, SlidingWindowBudgetOptions, KieBudgets, KieBudgetTuning } from './budget.js';
export { compareClaims, estimateWaitMs, RecentStarts, FAIR_WINDOW_MS } from './fair-order.js';
export type { Claimant, StartCounts } from './fair-order.js';
export { parseTaskRecord, parseResultUrls } from './record.js';
export { pollSchedule, safetyNetPollSchedule } from './poll-schedule.js';
export type { SafetyNetPollScheduleOptions } from './poll-schedule.js';
export { watchTask, DEFAULT_NOT_FOUND_RETRIES } from './watch.js';
export type { WatchTaskOptions } from './watch.js';
export { TaskWaker } from './waker.js';
export { PollPlanner } from './poll-planner.js';
export type { PollPlannerOptions, PollTurn } from './poll-planner.js';
export { verifyKieSignature, parseCallbackTaskId, DEFAULT_MAX_SKEW_MS } from './webhook.js';
export type { VerifyKieSignatureInput } from './webhook.js';
export { RedisSlidingWindowBudget, createRedisKieBudgets } from './redis-budget.js';
export type { RedisSlidingWindowBudgetOptions } from './redis-budget.js';
