/**
 * The import rules `npm run lint` holds the code to (dependency-cruiser). The layers, lowest first:
 *   drivers and primitives: src/util, src/storage's driver modules, clock, log, errors (every refusal and
 *     failure code)
 *   what the bot talks to and keeps: config (with the SHARD_LIST parser it uses), messages and src/i18n
 *     (the sentences), src/discord, src/kie, src/history, src/spend, src/quota, src/policy, src/moderation,
 *     src/queue
 *   the job spine: src/jobs
 *   what members and operators reach: src/interactions, commands/, src/admin, src/callbacks, src/ops, and
 *     src/services.ts (what their handlers may use)
 *   the composition: src/storage (which backend keeps what), src/placement's machine and leases (which
 *     machine runs which shards), app, connect, bot, process, manager, main
 * A module imports only from its own layer or below, and never from tests.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const PRIMITIVES = '^src/(util/|storage/(sqlite-database|redis-client|errors)\\.ts$|(clock|log|errors)\\.ts$)';
const SERVICES = '^src/((discord|kie|history|spend|quota|policy|moderation|queue|i18n)/|(config|messages|placement/shard-list)\\.ts$)';
const SPINE = '^src/jobs/';
const ENTRY_POINTS = '^(src/(interactions|admin|callbacks|ops)/|src/services\\.ts$|commands/)';
const COMPOSITION = '^src/(placement/(machine|shard-leases)\\.ts|storage/(index|types|redis|sqlite)\\.ts|(app|app-options|connect|bot|process|manager|main|sharding|register|register-cli|env-file)\\.ts)$';

export default {
  forbidden: [
    { name: 'no-cycle', comment: 'A module never reaches itself again through its imports, type-only ones included.', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'primitives-stay-low',
      comment: 'Drivers and primitives import only each other.',
      severity: 'error',
      from: { path: PRIMITIVES },
      to: { path: `${SERVICES}|${SPINE}|${ENTRY_POINTS}|${COMPOSITION}` },
    },
    {
      name: 'services-below-the-spine',
      comment: 'What the bot talks to and keeps knows nothing of jobs, entry points or the composition.',
      severity: 'error',
      from: { path: SERVICES },
      to: { path: `${SPINE}|${ENTRY_POINTS}|${COMPOSITION}` },
    },
    {
      name: 'spine-below-entry-points',
      comment: 'The job spine knows nothing of who starts jobs, nor of how the bot is put together.',
      severity: 'error',
      from: { path: SPINE },
      to: { path: `${ENTRY_POINTS}|${COMPOSITION}` },
    },
    {
      name: 'entry-points-below-composition',
      comment: 'Commands, buttons, callbacks and ops know nothing of how the bot is put together.',
      severity: 'error',
      from: { path: ENTRY_POINTS },
      to: { path: COMPOSITION },
    },
    {
      name: 'spend-beside-quota',
      comment: 'Spend and quota are separate counts; spend borrows only the quota calendar (quota/day).',
      severity: 'error',
      from: { path: '^src/spend/' },
      to: { path: '^src/quota/', pathNot: '^src/quota/day\\.ts$' },
    },
    {
      name: 'no-tests-in-production',
      comment: 'Production code never imports test helpers or fakes (the benchmark may: it drives the fakes).',
      severity: 'error',
      from: { path: '^(src|commands)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
