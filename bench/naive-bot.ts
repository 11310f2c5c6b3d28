import { reportStartupFailure, runProcess } from '../src/process.js';

/**
 * The benchmark's naive baseline: a discord.js bot that defers /imagine the moment it arrives, before doing
 * anything, and only then does its work (the same checks, and jobs with the choices a simple image bot
 * makes: every job polls on its own every 3 s and nothing budgets KIE's limits, each request goes out at once).
 */
runProcess({
  tuning: { deferFirst: ['imagine'], polling: { fixedIntervalMs: 3_000 }, kieBudgets: { unlimited: true }, healthIntervalMs: 2_000 },
}).catch(reportStartupFailure);
