import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Refusal } from '../../src/errors.js';
import { createJobIntake, DEFAULT_ATTACHMENT_LIMIT, type JobInteraction } from '../../src/interactions/intake.js';
import type { JobRecord } from '../../src/jobs/job.js';
import { createSettlement } from '../../src/jobs/settlement.js';
import { createLogger } from '../../src/log.js';
import { GuildSettingsStore } from '../../src/policy/settings-store.js';
import { QuotaService } from '../../src/quota/quota-service.js';
import { isStoreError, openStorage, type Storage } from '../../src/storage/index.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { APPLICATION_ID, CHANNEL_ID, GUILD_ID, MEMBER as PAINTER, interactionId, person } from '../helpers/ids.js';

const GUILD = GUILD_ID;
const MEMBER = PAINTER.id;
const REQUEST = { prompt: 'a lighthouse at dusk', aspect: '16:9', quality: 'high' } as const;

/** The interaction as the intake sees it; `defers` counts acknowledgements, `deferFails` makes them fail. */
function interaction(overrides: Partial<JobInteraction> = {}, options: { deferFails?: boolean } = {}) {
  const state = { defers: 0 };
  const value: JobInteraction = {
    id: interactionId(1),
    token: 'interaction-token',
    applicationId: APPLICATION_ID,
    guildId: GUILD,
    channelId: CHANNEL_ID,
    user: { id: MEMBER },
    memberRoleIds: [],
    createdTimestamp: 1_000,
    attachmentSizeLimit: 25 * 1024 * 1024,
    async deferReply() {
      state.defers += 1;
      if (options.deferFails) throw new Error('Unknown interaction');
    },
    ...overrides,
  };
  return { value, state };
}

describe('the job intake', () => {
  let dir: TempDir;
  let storage: Storage;
  let settings: GuildSettingsStore;
  let quota: QuotaService;
  let started: JobRecord[];

  beforeEach(async () => {
    dir = await createTempDir('intake');
    storage = await openStorage(`sqlite://${dir.file('bot.sqlite')}`);
    settings = new GuildSettingsStore(storage.kv, { cacheTtlMs: 0 });
    quota = new QuotaService({ counter: storage.counters, settings, defaultDaily: 2 });
    started = [];
  });

  afterEach(async () => {
    await storage.close().catch(() => undefined);
    await dir.remove();
  });

  function intake(overrides: { slowSettings?: Promise<void>; admissionDeadlineMs?: number; start?: (job: JobRecord) => Promise<void> } = {}) {
    const logger = createLogger({ level: 'silent' });
    const { ledger } = storage;
    const slow = overrides.slowSettings;
    return createJobIntake({
      settings: slow ? { policy: async (guildId: string) => (await slow, settings.policy(guildId)), cachedPolicy: () => undefined } : settings,
      quota,
      jobs: { startAll: async (jobs) => { for (const job of jobs) await (overrides.start ?? (async (each: JobRecord) => void started.push(each)))(job); } },
      settle: createSettlement({ ledger, release: (scope) => quota.refund(scope), logger }),
      logger,
      clock: { now: () => 1_200 },
      ...(overrides.admissionDeadlineMs !== undefined ? { admissionDeadlineMs: overrides.admissionDeadlineMs } : {}),
    });
  }

  const used = async () => (await quota.status(GUILD, MEMBER)).used;
  const refusalOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Refusal);
    return (error as Refusal).reason;
  };

  it('admits, defers once and starts a queued job carrying everything needed to finish it', async () => {
    const { value, state } = interaction({ attachmentSizeLimit: 0 });
    await intake()(value, REQUEST);
    expect(state.defers).toBe(1);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      phase: 'queued',
      guildId: GUILD,
      channelId: CHANNEL_ID,
      userId: MEMBER,
      applicationId: APPLICATION_ID,
      interactionId: interactionId(1),
      interactionToken: 'interaction-token',
      createdAt: 1_000,
      request: REQUEST,
      attachmentSizeLimit: DEFAULT_ATTACHMENT_LIMIT,
      reservation: { guildId: GUILD, userId: MEMBER },
    });
    expect(await used()).toBe(1);
  });

  it('refuses a paused server before deferring, and charges nothing', async () => {
    await settings.setPaused(GUILD, true);
    const { value, state } = interaction();
    expect(await refusalOf(intake()(value, REQUEST))).toEqual({ code: 'paused' });
    expect(state.defers).toBe(0);
    expect(started).toEqual([]);
    expect(await used()).toBe(0);
  });

  it('refuses a banned word, naming it', async () => {
    await settings.addBannedWord(GUILD, 'lighthouse');
    expect(await refusalOf(intake()(interaction().value, REQUEST))).toEqual({ code: 'banned_word', word: 'lighthouse' });
  });

  it('refuses once the daily quota is used, with the quota to show', async () => {
    const start = intake();
    await start(interaction().value, REQUEST);
    await start(interaction().value, REQUEST);
    const reason = await refusalOf(start(interaction().value, REQUEST));
    expect(reason).toMatchObject({ code: 'quota_exceeded', quota: { used: 2, limit: 2 } });
    expect(started).toHaveLength(2);
  });

  it("refuses once the server's daily cap is used, without deferring or counting", async () => {
    await settings.setDailyCap(GUILD, 1);
    const start = intake();
    await start(interaction().value, REQUEST);
    const other = interaction({ user: { id: person('neighbour').id } });
    const reason = await refusalOf(start(other.value, REQUEST));
    expect(reason).toMatchObject({ code: 'server_cap_reached', cap: 1 });
    expect(other.state.defers).toBe(0);
    expect((await quota.status(GUILD, person('neighbour').id)).used).toBe(0);
    expect(started).toHaveLength(1);
  });

  it('defers first when admission is slow, then refuses after the defer', async () => {
    await settings.setBlocked(GUILD, MEMBER, true);
    let release!: () => void;
    const slowSettings = new Promise<void>((resolve) => (release = resolve));
    const { value, state } = interaction();
    const pending = intake({ slowSettings, admissionDeadlineMs: 20 })(value, REQUEST);
    await expect.poll(() => state.defers).toBe(1);
    release();
    expect(await refusalOf(pending)).toEqual({ code: 'blocked' });
    expect(state.defers).toBe(1);
  });

  it('gives the unit back when Discord does not take the defer', async () => {
    const { value, state } = interaction({}, { deferFails: true });
    await intake()(value, REQUEST);
    expect(state.defers).toBe(1);
    expect(started).toEqual([]);
    expect(await used()).toBe(0);
  });

  it('lets a store outage through as the store error, for the policy to answer', async () => {
    await storage.close();
    const error = await intake()(interaction().value, REQUEST).then(() => undefined, (e: unknown) => e);
    expect(isStoreError(error)).toBe(true);
    expect(started).toEqual([]);
  });

  it('lets a failed start through (the job service has refunded it)', async () => {
    const failure = new Refusal({ code: 'restarting' });
    const error = await intake({ start: () => Promise.reject(failure) })(interaction().value, REQUEST).then(() => undefined, (e: unknown) => e);
    expect(error).toBe(failure);
  });
});
