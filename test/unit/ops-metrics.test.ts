import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBotMetrics } from '../../src/ops/metrics.js';
import { parsePrometheus, sampleValue } from '../helpers/metrics.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the bot’s metrics', () => {
  it('are named imagine_<what>_<unit> and move with their hooks', async () => {
    const metrics = createBotMetrics();
    metrics.interaction('imagine', 'ok');
    metrics.interaction('quota', 'store_error');
    metrics.deferred(120);
    metrics.kieRequest('createTask', 'rate_limited');
    metrics.delivered(14_000);
    metrics.unitRefunded();
    metrics.creditsRead(812.5);
    metrics.storeError('background');
    metrics.watchJobs(() => ({ inFlight: 3, waiting: 1, pollsWaiting: 4 }));
    const samples = parsePrometheus(await metrics.registry.metrics());
    expect(sampleValue(samples, 'imagine_interactions_total', { kind: 'imagine', outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'imagine_store_errors_total', { source: 'interaction' })).toBe(1);
    expect(sampleValue(samples, 'imagine_store_errors_total', { source: 'background' })).toBe(1);
    expect(sampleValue(samples, 'imagine_defer_latency_seconds_bucket', { le: '0.25' })).toBe(1);
    expect(sampleValue(samples, 'imagine_defer_latency_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(sampleValue(samples, 'imagine_kie_requests_total', { endpoint: 'createTask', outcome: 'rate_limited' })).toBe(1);
    expect(sampleValue(samples, 'imagine_delivery_lag_seconds_sum')).toBe(14);
    expect(sampleValue(samples, 'imagine_images_delivered_total')).toBe(1);
    expect(sampleValue(samples, 'imagine_units_refunded_total')).toBe(1);
    expect(sampleValue(samples, 'imagine_kie_credits')).toBe(812.5);
    expect(sampleValue(samples, 'imagine_jobs_in_flight')).toBe(3);
    expect(sampleValue(samples, 'imagine_jobs_waiting')).toBe(1);
    expect(sampleValue(samples, 'imagine_kie_polls_waiting')).toBe(4);
    for (const name of new Set(samples.map((sample) => sample.name))) expect(name).toMatch(/^imagine_[a-z_]+$/);
  });

  it('keep the process metrics out of a registry unless asked', async () => {
    expect(await createBotMetrics().registry.metrics()).not.toContain('process_resident_memory_bytes');
    const withProcess = createBotMetrics({ processMetrics: true });
    expect(await withProcess.registry.metrics()).toContain('process_cpu_seconds_total');
    withProcess.registry.clear();
  });

  it('are all documented in the README and the Grafana dashboard reads only metrics that exist', async () => {
    const metrics = createBotMetrics({ processMetrics: true });
    const exposed = new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
    metrics.registry.clear();
    const readme = read('README.md');
    const ours = [...exposed].filter((name) => name.startsWith('imagine_'));
    expect(ours).toHaveLength(11);
    for (const name of ours) expect(readme).toContain(`\`${name}`);
    const dashboard = JSON.parse(read('deploy/grafana-dashboard.json')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const used = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\b(imagine|process|nodejs)_\w+/g) ?? []));
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(exposed, name).toContain(name.replace(/_(bucket|sum|count)$/, ''));
  });
});
