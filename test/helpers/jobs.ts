import type { JobService } from '../../src/jobs/service.js';

/** Resolves once no job runs in the bot any more (its job service counts none in flight), looking every 20 ms. */
export async function jobsIdle(jobs: Pick<JobService, 'inFlight'>): Promise<void> {
  while (jobs.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
