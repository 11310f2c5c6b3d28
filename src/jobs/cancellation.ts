import type { JobRecord } from './job.js';

/** The reason a cancelled job's signal is aborted with; the runner ends the job with a refund on it. */
export class JobCancelled extends Error {
  override readonly name = 'JobCancelled';
  constructor() {
    super('the member cancelled the job before it reached KIE');
  }
}

/**
 * What a press of Cancel came to: the job ended with its unit back; its createTask is already on its way
 * (or done), so it goes on; the job is not waiting in this process; or the presser may not cancel it.
 */
export type CancelOutcome =
  | { outcome: 'cancelled'; job: JobRecord; ended: Promise<void> }
  | { outcome: 'started' }
  | { outcome: 'unknown' }
  | { outcome: 'not_allowed' };

/** A running job's side of cancellation (see JobCancellations.register). */
export interface CancelHandle {
  /** Aborted (with a JobCancelled) when the member cancels. */
  readonly signal: AbortSignal;
  /**
   * Called synchronously just before a createTask request leaves: false if the job was cancelled, else the
   * job counts as started from now on and a press is answered "already started".
   */
  claimSend(): boolean;
  /** KIE refused before creating anything: the job waits again and may be cancelled again. */
  reopen(): void;
  /** The job has ended, for whatever reason (after a cancel: once the unit is back and its status is quiet). */
  done(): void;
}

interface Entry {
  job: JobRecord;
  state: 'waiting' | 'sending';
  controller: AbortController;
  ended: Promise<void>;
  end: () => void;
}

/**
 * Cancel presses against the jobs this process runs. The decision between a press and the job's createTask is
 * made synchronously on one thread, so exactly one of the two wins: either the job is cancelled and no
 * request leaves, or the request has left and the press is told so. Never both a task and a refund.
 */
export class JobCancellations {
  private readonly entries = new Map<string, Entry>();

  register(job: JobRecord): CancelHandle {
    const controller = new AbortController();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const entry: Entry = { job, state: 'waiting', controller, ended, end };
    this.entries.set(job.id, entry);
    return {
      signal: controller.signal,
      claimSend: () => {
        if (controller.signal.aborted) return false;
        entry.state = 'sending';
        return true;
      },
      reopen: () => {
        if (!controller.signal.aborted) entry.state = 'waiting';
      },
      done: () => {
        if (this.entries.get(job.id) === entry) this.entries.delete(job.id);
        end();
      },
    };
  }

  /** `mayManage`: the presser has Manage Messages where the job was asked for. */
  cancel(jobId: string, presser: { userId: string; mayManage: boolean }): CancelOutcome {
    const entry = this.entries.get(jobId);
    if (!entry) return { outcome: 'unknown' };
    if (entry.job.userId !== presser.userId && !presser.mayManage) return { outcome: 'not_allowed' };
    if (entry.state === 'sending') return { outcome: 'started' };
    if (!entry.controller.signal.aborted) entry.controller.abort(new JobCancelled());
    return { outcome: 'cancelled', job: entry.job, ended: entry.ended };
  }
}
