import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '../log.js';

/**
 * Logs the process's vital signs every interval: event-loop delay (p99 and max over the interval, in ms),
 * memory and how many jobs are running. Cheap enough to leave on; the benchmark reads these lines.
 */
export function startHealthLog(options: { logger: Logger; intervalMs: number; jobsInFlight: () => number }): () => void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const logHealth = () => {
    const memory = process.memoryUsage();
    options.logger.debug(
      {
        eventLoopDelayP99Ms: Math.round(histogram.percentile(99) / 1e4) / 100,
        eventLoopDelayMaxMs: Math.round(histogram.max / 1e4) / 100,
        rssMb: Math.round(memory.rss / 1048576),
        heapUsedMb: Math.round(memory.heapUsed / 1048576),
        jobsInFlight: options.jobsInFlight(),
      },
      'health',
    );
    histogram.reset();
  };
  const timer = setInterval(logHealth, options.intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    logHealth(); // the last interval, so even a short run reports once
    histogram.disable();
  };
}
