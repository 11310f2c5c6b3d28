import { createKieBudgets, DEFAULT_CREATE_MARGIN_MS, KIE_CREATE_LIMIT, SlidingWindowBudget } from '../src/kie/index.js';
import { reportStartupFailure, runProcess } from '../src/process.js';

/**
 * The fairness run's "previous order" baseline: the bot as it is, but with the create budget first come,
 * first served (as before the fair order), so one member's burst makes everyone after it wait behind it all.
 */
const fifo = new SlidingWindowBudget({ ...KIE_CREATE_LIMIT, safetyMarginMs: DEFAULT_CREATE_MARGIN_MS });

runProcess({ tuning: { budgets: { create: fifo, poll: createKieBudgets().poll } } }).catch(reportStartupFailure);
