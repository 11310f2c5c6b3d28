import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How the interaction error policy ended an interaction (src/bot.ts). */
export type InteractionOutcome = 'ok' | 'refused' | 'store_error' | 'error' | 'unhandled';

/** Where a store error was seen: reported by the store itself, answered to a member, or found by /healthz. */
export type StoreErrorSource = 'background' | 'interaction' | 'health';

/**
 * The bot's Prometheus metrics, all in one registry and named `imagine_<what>_<unit>`. Domain code never
 * sees prom-client: app.ts hands these methods to the modules as plain callbacks.
 */
export interface BotMetrics {
  readonly registry: Registry;
  interaction(kind: string, outcome: InteractionOutcome): void;
  /** From Discord creating the interaction to our defer (the 3 s that Discord allows). */
  deferred(latencyMs: number): void;
  kieRequest(endpoint: string, outcome: string): void;
  /** An image reached Discord, `lagMs` after the member's command. */
  delivered(lagMs: number): void;
  unitRefunded(): void;
  creditsRead(balance: number): void;
  storeError(source: StoreErrorSource): void;
  /** What the jobs gauges read at each scrape. */
  watchJobs(read: () => { inFlight: number; waiting: number; pollsWaiting: number }): void;
}

export interface BotMetricsOptions {
  registry?: Registry;
  /** The process's CPU, memory, event-loop and GC metrics (prom-client's defaults); off for bots inside tests. */
  processMetrics?: boolean;
}

/** Within Discord's 3 s, finer where a healthy bot answers. */
const DEFER_BUCKETS_SECONDS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5];
/** Seedream takes 10–60 s; a queue or KIE trouble pushes it out to the job timeout. */
const DELIVERY_BUCKETS_SECONDS = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];

export function createBotMetrics({ registry = new Registry(), processMetrics = false }: BotMetricsOptions = {}): BotMetrics {
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const interactions = new Counter({
    name: 'imagine_interactions_total',
    help: 'Interactions handled, by kind (command name, button:<action>, modal:<kind>) and outcome (ok, refused, store_error, error, unhandled)',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const deferLatency = new Histogram({
    name: 'imagine_defer_latency_seconds',
    help: "Seconds from Discord creating an /imagine (or reroll, edit) to the bot's public defer",
    buckets: DEFER_BUCKETS_SECONDS,
    registers,
  });
  let jobs: () => { inFlight: number; waiting: number; pollsWaiting: number } = () => ({ inFlight: 0, waiting: 0, pollsWaiting: 0 });
  new Gauge({
    name: 'imagine_jobs_in_flight',
    help: 'Jobs running in this bot (waiting for KIE, generating or being delivered)',
    registers,
    collect() {
      this.set(jobs().inFlight);
    },
  });
  new Gauge({
    name: 'imagine_jobs_waiting',
    help: "Jobs waiting for room in KIE's task-creation limit (20 per 10 s)",
    registers,
    collect() {
      this.set(jobs().waiting);
    },
  });
  new Gauge({
    name: 'imagine_kie_polls_waiting',
    help: "Watched tasks waiting for a turn in KIE's poll limit (10 per second); 0 with callbacks",
    registers,
    collect() {
      this.set(jobs().pollsWaiting);
    },
  });
  const kieRequests = new Counter({
    name: 'imagine_kie_requests_total',
    help: 'Requests to KIE by endpoint (createTask, getTask, getCredits) and outcome (ok, or the error kind: rate_limited for 429, credits for 402, …)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers,
  });
  const deliveryLag = new Histogram({
    name: 'imagine_delivery_lag_seconds',
    help: "Seconds from the member's command to the image in Discord",
    buckets: DELIVERY_BUCKETS_SECONDS,
    registers,
  });
  const imagesDelivered = new Counter({ name: 'imagine_images_delivered_total', help: 'Images delivered to Discord', registers });
  const unitsRefunded = new Counter({ name: 'imagine_units_refunded_total', help: 'Quota units given back because a job ended without an image', registers });
  const credits = new Gauge({
    name: 'imagine_kie_credits',
    help: "KIE's credit balance when it was last read (0 until the first read)",
    // Shards read the same account: the manager shows the balance, not a sum.
    aggregator: 'max',
    registers,
  });
  const storeErrors = new Counter({
    name: 'imagine_store_errors_total',
    help: 'Store (SQLite or Redis) errors, by where they were seen (background, interaction, health)',
    labelNames: ['source'] as const,
    registers,
  });

  return {
    registry,
    interaction(kind, outcome) {
      interactions.inc({ kind, outcome });
      if (outcome === 'store_error') storeErrors.inc({ source: 'interaction' });
    },
    deferred: (latencyMs) => deferLatency.observe(latencyMs / 1000),
    kieRequest: (endpoint, outcome) => kieRequests.inc({ endpoint, outcome }),
    delivered(lagMs) {
      imagesDelivered.inc();
      deliveryLag.observe(lagMs / 1000);
    },
    unitRefunded: () => unitsRefunded.inc(),
    creditsRead: (balance) => credits.set(balance),
    storeError: (source) => storeErrors.inc({ source }),
    watchJobs(read) {
      jobs = read;
    },
  };
}
