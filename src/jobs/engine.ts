import type { Clock } from '../clock.js';
import { PendingAcknowledgements } from '../discord/acknowledgements.js';
import type { DiscordReplies } from '../discord/replies.js';
import type { Config } from '../config.js';
import type { HistoryStore } from '../history/history.js';
import { TaskWaker, type KieClient, type RequestBudget } from '../kie/index.js';
import type { Logger } from '../log.js';
import type { ModerationLog } from '../moderation/mod-log.js';
import type { QuotaService } from '../quota/quota-service.js';
import type { SpendCounter } from '../spend/spend.js';
import { JobCancellations } from './cancellation.js';
import type { JobLedger } from './ledger.js';
import { createDeliveryRecorder } from './delivery-recorder.js';
import { choosePolling, type PollingOptions } from './polling.js';
import { createKieImageRelay } from './relay.js';
import { JobRunner, type JobRunnerOptions } from './runner.js';
import { JobService } from './service.js';
import { SetAssembly } from './set-assembly.js';
import { createSettlement, type Settle } from './settlement.js';

export interface JobEngineDeps {
  config: Pick<Config, 'kieApiUrl' | 'callbackUrl' | 'jobTimeoutMs'>;
  storage: { ledger: JobLedger; history: Pick<HistoryStore, 'record' | 'remove'>; spend: Pick<SpendCounter, 'add'> };
  kie: Pick<KieClient, 'createTask' | 'getTask'>;
  /** The create budget: told at start-up of the tasks an earlier process started. */
  createBudget: Pick<RequestBudget, 'rememberStart'>;
  quota: Pick<QuotaService, 'refund'>;
  replies: DiscordReplies;
  modLog: Pick<ModerationLog, 'generation'>;
  /** Counts a unit given back, and an image delivered with how long after its interaction. */
  metrics: { unitRefunded(): void; delivered(lagMs: number): void };
  logger: Logger;
  clock: Clock;
  /** How many bot processes share KIE's poll rate. */
  processes: number;
  /** Where downloads wait for their re-encode, and how many relays run at once (defaults: tmp, per core). */
  downloadDir?: string | undefined;
  imageSlots?: number | undefined;
  polling?: PollingOptions | undefined;
  runnerOptions?: Partial<JobRunnerOptions>;
}

/** The job spine, connected: ledger, settlement, runner, relay and the service that starts, resumes and parks jobs. */
export interface JobEngine {
  jobs: JobService;
  settle: Settle;
  waker: TaskWaker;
  cancels: JobCancellations;
  acknowledgements: PendingAcknowledgements;
  /** How many watched tasks wait for a turn to poll KIE (0 when callbacks make polling a fixed safety net). */
  pollsWaiting(): number;
  /** Ends the relay's download connections (after jobs.stop). */
  close(): Promise<void>;
}

export function createJobEngine(deps: JobEngineDeps): JobEngine {
  const { config, storage, metrics, logger, clock } = deps;
  const { ledger } = storage;
  const settle = createSettlement({ ledger, release: (scope) => deps.quota.refund(scope).then(() => metrics.unitRefunded()), logger });
  const images = createKieImageRelay({ trustedUrl: config.kieApiUrl, downloadDir: deps.downloadDir, slots: deps.imageSlots, clock });
  const waker = new TaskWaker();
  const cancels = new JobCancellations();
  const sets = new SetAssembly();
  const polling = choosePolling({ callbacks: config.callbackUrl !== undefined, processes: deps.processes, waker }, deps.polling);
  const runner = new JobRunner({
    kie: deps.kie,
    ledger,
    settle,
    relay: images.relay,
    replies: deps.replies,
    polling,
    deliveries: createDeliveryRecorder({ history: storage.history, modLog: deps.modLog, spend: storage.spend, clock, onDelivered: metrics.delivered }),
    waker,
    cancels,
    sets,
    onState: (jobId, state) => jobs.noteState(jobId, state),
    logger,
    clock,
    jobTimeoutMs: config.jobTimeoutMs,
    ...(config.callbackUrl === undefined ? {} : { callBackUrl: config.callbackUrl }),
    ...(deps.runnerOptions ? { options: deps.runnerOptions } : {}),
  });
  const acknowledgements = new PendingAcknowledgements();
  const jobs = new JobService({
    runner,
    ledger,
    settle,
    acknowledgements,
    sets,
    logger,
    // A restarted process knows the tasks its predecessor started: KIE still counts them, and so does the fair order.
    rememberStarted: (job) => deps.createBudget.rememberStart?.({ guildId: job.guildId, userId: job.userId }, job.submittedAt),
  });
  const pollsWaiting = () => ('planner' in polling ? polling.planner.waiting : 0);
  return { jobs, settle, waker, cancels, acknowledgements, pollsWaiting, close: images.close };
}
