import { reportStartupFailure, runProcess } from '../src/process.js';

/**
 * The fairness run's "previous order" baseline: the bot as it is, but with the create budget first come,
 * first served (as before the fair order), so one member's burst makes everyone after it wait behind it all.
 */
runProcess({ tuning: { kieBudgets: { order: 'arrival' } } }).catch(reportStartupFailure);
