import type { Clock } from '../clock.js';
import type { HistoryStore } from '../history/history.js';
import { sweepStaleDownloads } from '../jobs/image.js';
import type { Logger } from '../log.js';

/** How often records past the history's retention are deleted (each process does it; it is idempotent). */
const PRUNE_INTERVAL_MS = 6 * 60 * 60_000;

export interface HousekeepingDeps {
  history: Pick<HistoryStore, 'prune'>;
  /** Deletes kv entries past their TTL and resolves to how many went (Storage.pruneExpiredValues). */
  storage: { pruneExpiredValues(): Promise<number> };
  /** Where downloads wait for their re-encode (default: the system's temporary folder). */
  downloadDir: string | undefined;
  clock: Clock;
  logger: Logger;
}

/**
 * The store's and the disk's upkeep: at start and every 6 hours, history entries past their retention and
 * kv entries past their TTL; once at start, downloads an earlier process left behind. Each failure is
 * logged and the bot goes on. Returns the stop.
 */
export function startHousekeeping({ history, storage, downloadDir, clock, logger }: HousekeepingDeps): () => void {
  const run = (work: Promise<number>, done: string, failed: string) =>
    void work.then(
      (count) => {
        if (count > 0) logger.info({ count }, done);
      },
      (error: unknown) => logger.warn({ err: error }, failed),
    );
  const prune = () => {
    run(history.prune(clock.now()), 'pruned images older than the history retention', 'could not prune the image history');
    // Expired "Edit image" sources and other kv entries past their TTL (SQLite keeps them until deleted).
    run(storage.pruneExpiredValues(), 'deleted expired stored values', 'could not delete expired stored values');
  };
  prune();
  const timer = setInterval(prune, PRUNE_INTERVAL_MS).unref();
  run(sweepStaleDownloads(downloadDir, undefined, clock.now()), 'deleted downloads left by an earlier process', 'could not look for stale downloads');
  return () => clearInterval(timer);
}
