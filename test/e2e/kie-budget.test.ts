import { describe, expect} from 'vitest';
import { utcDay } from '../../src/quota/day.js';
import { GUILD_ID } from '../helpers/harness.js';
import { CALLBACK_DEFERRED, firstReply, quantile } from '../helpers/replies.js';
import { it } from '../helpers/fixtures.js';
import { jobsIdle } from '../helpers/jobs.js';
import { crowd } from '../helpers/ids.js';

/**
 * 100 members press /imagine at the same moment. The fake KIE enforces its published limits (20 createTask
 * per 10 s, 10 recordInfo per second) and answers 429 beyond them; the bot must stay under both, tell the
 * members who wait where they are in line, and still deliver every image. 100 creates at 20 per 10 s take
 * five windows, so this runs for about 45 s.
 */

const JOBS = 100;
const CREATE_LIMIT = 20;
const ACK_DEADLINE_MS = 3_000;
const POSITION = /(\d+)(?:st|nd|rd|th) in line/;


describe('100 jobs submitted at once never exceed the KIE budget', () => {
  it('delivers all 100 with no 429 from KIE, showing waiting members their place in line', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '1' }, kie: { defaultScenario: { durationMs: 600 } } });
    const harness = h;
    const members = crowd(JOBS);

    const started = performance.now();
    const interactions = members.map((user, index) => harness.imagine({ prompt: `crowd ${index}`, user }));
    const acks = await Promise.all(interactions.map((interaction) => firstReply(interaction, 15_000)));
    const finals = await Promise.all(
      interactions.map((interaction) => interaction.waitForOriginal((m) => m.attachments.length > 0 || m.content.startsWith('⚠️'), 110_000)),
    );
    const totalMs = performance.now() - started;
    await jobsIdle(harness.app.jobs);
    const { kie } = harness;

    const createTimes = kie.creates.map((call) => call.at).sort((a, b) => a - b);
    // Places in line each member was shown, in order.
    const positions = interactions.map((interaction) =>
      interaction.edits.map((edit) => POSITION.exec(edit.content)?.[1]).filter((n) => n !== undefined).map(Number),
    );
    const waited = positions.filter((seen) => seen.length > 0);
    const deepest = Math.max(0, ...waited.map((seen) => seen[0]!));
    const latencies = acks.map((ack) => ack.latencyMs);
    const pollsPerTask = new Map<string, number>();
    for (const poll of kie.polls) pollsPerTask.set(poll.taskId, (pollsPerTask.get(poll.taskId) ?? 0) + 1);
    const perJob = [...pollsPerTask.values()];
    console.info(
      `[kie-budget] ${JOBS} jobs: ack latency p50 ${quantile(latencies, 0.5).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms; ` +
        `all answered in ${(totalMs / 1000).toFixed(1)} s; creates spanned ${((createTimes.at(-1)! - createTimes[0]!) / 1000).toFixed(1)} s; ` +
        `${kie.polls.length} polls, per job mean ${(kie.polls.length / JOBS).toFixed(1)}, p50 ${quantile(perJob, 0.5)}, max ${Math.max(...perJob)}; ` +
        `${waited.length} members saw a place in line (up to ${deepest}); KIE 429s ${JSON.stringify(kie.rejected429)}`,
    );

    // Every member was acknowledged publicly within Discord's 3 s.
    for (const ack of acks) {
      expect(ack.type).toBe(CALLBACK_DEFERRED);
      expect(ack.ephemeral).toBe(false);
      expect(ack.status).toBeLessThan(300);
      expect(ack.latencyMs).toBeLessThan(ACK_DEADLINE_MS);
    }
    // Every image arrived and every member was charged exactly once.
    for (const final of finals) expect(final.attachments, final.content).toHaveLength(1);
    const day = utcDay(Date.now());
    const used = await Promise.all(members.map((user) => harness.storage.counters.used({ guildId: GUILD_ID, userId: user.id, day })));
    expect(used).toEqual(members.map(() => 1));

    // KIE never had to refuse anything, and exactly one task per job exists.
    expect.soft(kie.rejected429).toEqual({ create: 0, poll: 0 });
    expect(kie.creates).toHaveLength(JOBS);
    expect(kie.creates.every((call) => call.taskId !== undefined)).toBe(true);
    expect(new Set(kie.creates.map((call) => call.taskId)).size).toBe(JOBS);
    // The creates went out in windows: never more than 20 in any 10 s.
    for (let i = CREATE_LIMIT; i < createTimes.length; i += 1) {
      expect(createTimes[i]! - createTimes[i - CREATE_LIMIT]!).toBeGreaterThanOrEqual(10_000);
    }

    // Those who waited for the create budget saw their place in line, and it moved forward. (The line is in
    // order of when members asked, so a job whose start was held up joins ahead of later ones and may push a
    // few back by a place; an edit may also repeat a place with a new estimate of the wait.)
    expect(waited.length).toBeGreaterThanOrEqual(JOBS - CREATE_LIMIT);
    for (const seen of waited) expect(seen.at(-1)!).toBeLessThanOrEqual(seen[0]!);
    expect(deepest).toBeGreaterThanOrEqual(JOBS - CREATE_LIMIT - 5);
    expect(interactions.some((interaction) => interaction.edits.some((edit) => edit.content.includes('12th in line')))).toBe(true);
  }, 120_000);
});
