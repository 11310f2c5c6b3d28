import { setMaxListeners } from 'node:events';
import { Refusal } from '../errors.js';
import type { Logger } from '../log.js';
import type { PendingAcknowledgements } from '../discord/acknowledgements.js';
import type { JobRecord, SubmittedJob } from './job.js';
import type { JobLedger } from './ledger.js';
import type { ProgressState } from './progress.js';
import type { JobRunner } from './runner.js';
import type { SetAssembly } from './set-assembly.js';
import type { Settle } from './settlement.js';
import { giveUp, withDeadline } from '../util/deadline.js';

/** The longest a new job holds back its KIE work while other members' commands wait for their answer. */
const ACKNOWLEDGEMENT_WAIT_MS = 1_000;

export interface JobServiceDeps {
  runner: Pick<JobRunner, 'run'>;
  ledger: Pick<JobLedger, 'open' | 'openJobs'>;
  settle: Settle;
  /** Interactions waiting for their first answer; a new job's KIE work waits for them. */
  acknowledgements: Pick<PendingAcknowledgements, 'settled'>;
  /** Told how many images of each set will meet to be delivered together. */
  sets?: Pick<SetAssembly, 'expect'>;
  /** Told at start-up of each job whose KIE task an earlier process started (KIE's window, the fair order). */
  rememberStarted?: (job: SubmittedJob) => void;
  logger: Logger;
}

interface RunningJob {
  job: JobRecord;
  done: Promise<void>;
  /** What its status shows now (undefined until the runner first says). */
  state?: ProgressState;
}

/** One of a member's images in progress, as /quota lists it. */
export interface JobInProgress {
  jobId: string;
  prompt: string;
  createdAt: number;
  state: ProgressState | undefined;
}

/** Runs jobs: starts admitted ones, resumes the ledger's at start-up, parks them all on shutdown. */
export class JobService {
  private readonly running = new Map<string, RunningJob>();
  /**
   * Jobs this process admitted and is writing to the ledger, not yet running: a resume that reads the ledger
   * meanwhile (a command can come in while start-up still resumes) must leave them to their own start.
   */
  private readonly starting = new Set<string>();
  private readonly shutdown = new AbortController();

  constructor(private readonly deps: JobServiceDeps) {
    // Every running job listens for shutdown on this one signal.
    setMaxListeners(0, this.shutdown.signal);
  }

  inFlightFor(guildId: string, userId: string): number {
    let count = 0;
    for (const { job } of this.running.values()) if (job.guildId === guildId && job.userId === userId) count += 1;
    return count;
  }

  /** The member's images in progress in this server (waiting or running in this process), oldest first. */
  inProgressFor(guildId: string, userId: string): JobInProgress[] {
    return [...this.running.values()]
      .filter(({ job }) => job.guildId === guildId && job.userId === userId)
      .map(({ job, state }) => ({ jobId: job.id, prompt: job.request.prompt, createdAt: job.createdAt, state }))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The runner tells what a job's status shows, for /quota. */
  noteState(jobId: string, state: ProgressState): void {
    const entry = this.running.get(jobId);
    if (entry) entry.state = state;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Records an admitted job in the ledger and runs it. If it cannot be recorded (or the service is
   * stopping), its quota unit is given back and the error is thrown for the interaction layer to answer.
   */
  async start(job: JobRecord): Promise<void> {
    await this.startAll([job]);
  }

  /**
   * Records the jobs of one request (a set's images, or a single job) in the ledger and runs them. They
   * run all or none: if one cannot be recorded, every unit is given back and the recorded ones closed.
   */
  async startAll(jobs: readonly JobRecord[]): Promise<void> {
    for (const job of jobs) this.starting.add(job.id);
    try {
      if (this.shutdown.signal.aborted) throw new Refusal({ code: 'restarting' });
      for (const job of jobs) await this.deps.ledger.open(job);
    } catch (error) {
      for (const job of jobs) this.starting.delete(job.id);
      // Closing an entry that was never written does nothing.
      for (const job of jobs) await this.deps.settle(job, 'refunded');
      throw error;
    }
    const setId = jobs[0]?.set?.id;
    if (setId !== undefined) this.deps.sets?.expect(setId, jobs.length);
    // Counted as running at once (quota views, shutdown), their KIE work waits for the burst's answers.
    const after = this.deps.acknowledgements.settled(ACKNOWLEDGEMENT_WAIT_MS);
    for (const job of jobs) {
      this.launch(job, false, after);
      this.starting.delete(job.id);
    }
  }

  /** Picks up every job the ledger still holds, e.g. after a crash or a restart; returns how many. */
  async resume(owns: (job: JobRecord) => boolean = () => true): Promise<number> {
    const { jobs, quarantined } = await this.deps.ledger.openJobs();
    for (const row of quarantined) {
      this.deps.logger.error({ jobId: row.id, problem: row.problem }, 'job ledger row is not a valid job; quarantined');
    }
    // Jobs this process started itself (written while the ledger was read) run once, by their own start.
    const owned = jobs.filter((job) => owns(job) && !this.running.has(job.id) && !this.starting.has(job.id));
    for (const job of owned) if (job.phase === 'watching' || job.phase === 'delivering') this.deps.rememberStarted?.(job);
    // A set's images still in the ledger meet again; those already settled are not waited for.
    const setSizes = new Map<string, number>();
    for (const { set } of owned) if (set !== undefined) setSizes.set(set.id, (setSizes.get(set.id) ?? 0) + 1);
    for (const [setId, count] of setSizes) this.deps.sets?.expect(setId, count);
    for (const job of owned) {
      this.deps.logger.info({ jobId: job.id, taskId: 'taskId' in job ? job.taskId : undefined, phase: job.phase }, 'resuming job');
      this.launch(job, true);
    }
    return owned.length;
  }

  /** Stops taking new work, interrupts running jobs (they stay in the ledger) and waits for them to park. */
  async stop(timeoutMs: number): Promise<void> {
    this.shutdown.abort(new Error('shutting down'));
    const all = Promise.allSettled([...this.running.values()].map((entry) => entry.done));
    await withDeadline(all, timeoutMs, giveUp);
  }

  private launch(job: JobRecord, resumed: boolean, after: Promise<void> = Promise.resolve()): void {
    const done = after
      .then(() => this.deps.runner.run(job, { resumed, signal: this.shutdown.signal }))
      .catch((error: unknown) => this.deps.logger.error({ err: error, jobId: job.id }, 'job runner crashed'))
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, { job, done });
  }
}
