import { reportStartupFailure, runProcess } from '../src/process.js';

/**
 * The benchmark's naive baseline: a discord.js bot that defers /imagine the moment it arrives, before doing
 * anything, and only then does its work (the same checks, and jobs with the choices a simple image bot
 * makes: every job polls on its own every 3 s and nothing budgets KIE's limits, each request goes out at once).
 */
const unlimited = { acquire: async () => {} };

runProcess({
  tuning: { deferFirst: ['imagine'], baselinePollSchedule: () => 3_000, budgets: { create: unlimited, poll: unlimited }, healthIntervalMs: 2_000 },
}).catch(reportStartupFailure);
