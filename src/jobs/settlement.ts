import type { Logger } from '../log.js';
import type { QuotaScope } from '../quota/counter.js';
import type { JobRecord } from './job.js';
import type { JobLedger } from './ledger.js';

/**
 * delivered: the member got the image, the unit is spent; refunded: the job ended without one.
 * For an image of a set: `refunded_in_set` gives its unit back and keeps its (failed) record in the ledger
 * until the set is delivered; `closed` then only closes that record.
 */
export type JobOutcome = 'delivered' | 'refunded' | 'refunded_in_set' | 'closed';

export interface SettlementDeps {
  ledger: Pick<JobLedger, 'close' | 'update'>;
  release: (scope: QuotaScope) => Promise<void>;
  logger: Logger;
}

export type Settle = (job: JobRecord, outcome: JobOutcome) => Promise<void>;

/**
 * The one place a job's quota unit is kept or given back and its ledger entry closed. The refund comes
 * first: a crash between the two leaves the job in the ledger, to be finished at the next start, rather
 * than a closed job whose member paid for nothing. Closing an entry that was never written does nothing.
 */
export function createSettlement({ ledger, release, logger }: SettlementDeps): Settle {
  return async (job, outcome) => {
    if (outcome === 'refunded' || outcome === 'refunded_in_set') {
      await release(job.reservation);
      logger.info({ jobId: job.id, taskId: 'taskId' in job ? job.taskId : undefined }, 'quota refunded');
    }
    if (outcome === 'refunded_in_set') await ledger.update(job);
    else await ledger.close(job.id);
  };
}
