import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { messages } from '../../src/messages.js';
import { utcDay } from '../../src/quota/day.js';
import type { FakeInteraction, FakeUserSpec } from '../fakes/discord/index.js';
import type { FakeKie, PollCall } from '../fakes/kie/index.js';
import { it } from '../helpers/fixtures.js';
import { GUILD_ID, type Harness } from '../helpers/harness.js';
import { seededRandom } from '../helpers/random.js';
import { jobsIdle } from '../helpers/jobs.js';

/** A job survives a flaky KIE: failing polls, tasks KIE does not know yet, and refused creates. */

const member = (index: number): FakeUserSpec => ({ id: `14000000000000${String(index).padStart(5, '0')}`, username: `faulty${index}` });


/** Whether a poll got a usable record: a JSON envelope with code 200. */
function answeredOk(call: PollCall): boolean {
  return typeof call.answer === 'object' && call.answer !== null && (call.answer as { code?: unknown }).code === 200;
}

function answerCode(call: PollCall): unknown {
  return typeof call.answer === 'object' && call.answer !== null ? (call.answer as { code?: unknown }).code : call.answer;
}

const delivered = (interaction: FakeInteraction, timeoutMs: number) =>
  interaction.waitForOriginal((m) => m.attachments.length > 0 || m.content.startsWith('⚠️'), timeoutMs);

const acceptedCreates = (kie: FakeKie) => kie.creates.filter((call) => call.taskId !== undefined);

describe('KIE faults, end to end', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    expect(unhandled).toEqual([]);
  });

  const usedBy = (harness: Harness, user: FakeUserSpec) =>
    harness.storage.counters.used({ guildId: GUILD_ID, userId: user.id, day: utcDay(Date.now()) });

  it('with 30% of polls failing, 10 jobs are all delivered, none refunded, none reported as failed', async ({ bot }) => {
    const h = await bot({ kie: { defaultScenario: { durationMs: 6_000 } } });
    const harness = h;
    harness.kie.pollFaults(0.3, undefined, seededRandom(20261126));
    const members = Array.from({ length: 10 }, (_, index) => member(index));
    const interactions = members.map((user, index) => harness.imagine({ prompt: `flaky ${index}`, user }));

    const finals = await Promise.all(interactions.map((interaction) => delivered(interaction, 60_000)));
    await jobsIdle(harness.app.jobs);

    for (const final of finals) expect(final.attachments, final.content).toHaveLength(1);
    for (const interaction of interactions) {
      expect(interaction.edits.filter((edit) => edit.content.startsWith('⚠️'))).toEqual([]);
    }
    expect(await Promise.all(members.map((user) => usedBy(harness, user)))).toEqual(members.map(() => 1));
    expect(harness.kie.creates).toHaveLength(10);
    expect(acceptedCreates(harness.kie)).toHaveLength(10);

    const polls = harness.kie.polls;
    // Injected faults only: a 429 would be the bot's budget failing, not the fault injection.
    const faults = polls.filter((call) => !answeredOk(call) && answerCode(call) !== 429);
    const faultShare = faults.length / polls.length;
    console.info(
      `[kie-faults] ${polls.length} polls for 10 jobs (${(polls.length / 10).toFixed(1)} per job), ` +
        `${faults.length} failed (${(faultShare * 100).toFixed(0)}%)`,
    );
    // The faults really happened, at about the configured rate.
    expect(faults.length).toBeGreaterThanOrEqual(10);
    expect(faultShare).toBeGreaterThan(0.15);
    expect(faultShare).toBeLessThan(0.5);
  }, 90_000);

  it('tolerates "recordInfo is null" for the first polls of a fresh task', async ({ bot }) => {
    const h = await bot({ kie: { defaultScenario: { durationMs: 600, notFoundPolls: 3 } } });
    const user = member(20);
    const interaction = h.imagine({ prompt: 'a fresh task', user });

    const final = await delivered(interaction, 15_000);
    await jobsIdle(h.app.jobs);

    expect(final.attachments).toHaveLength(1);
    expect(await usedBy(h, user)).toBe(1);
    expect(acceptedCreates(h.kie)).toHaveLength(1);
    const taskId = acceptedCreates(h.kie)[0]!.taskId;
    const polls = h.kie.polls.filter((call) => call.taskId === taskId);
    expect(polls.slice(0, 3).map(answerCode)).toEqual([422, 422, 422]);
    expect(polls.slice(3).every(answeredOk)).toBe(true);
    expect(interaction.edits.filter((edit) => edit.content.startsWith('⚠️'))).toEqual([]);
  });

  it('gives up on a task KIE never knows, with a clear message and a refund', async ({ bot }) => {
    const h = await bot({ kie: { defaultScenario: { durationMs: 600, notFoundPolls: 1_000 } } });
    const user = member(21);
    const interaction = h.imagine({ prompt: 'a task that vanished', user });

    const final = await delivered(interaction, 15_000);
    await jobsIdle(h.app.jobs);

    expect(final.content).toBe(`⚠️ ${messages.serviceUnavailable}`);
    expect(await usedBy(h, user)).toBe(0);
    expect(h.kie.creates).toHaveLength(1);
    // A few "not found" answers are tolerated (KIE may lag), not an unbounded number.
    expect(h.kie.polls.length).toBeGreaterThan(3);
    expect(h.kie.polls.length).toBeLessThan(20);
  });

  it('a createTask refused twice with 429 still succeeds, with exactly one accepted create', async ({ bot }) => {
    const h = await bot();
    h.kie.nextCreate({ code: 429, msg: 'rate limited' });
    h.kie.nextCreate({ code: 429, msg: 'rate limited' });
    const user = member(22);
    const interaction = h.imagine({ prompt: 'after the rush', user });

    const final = await delivered(interaction, 30_000);
    await jobsIdle(h.app.jobs);

    expect(final.attachments).toHaveLength(1);
    expect(h.kie.creates).toHaveLength(3);
    expect(h.kie.creates.slice(0, 2).map((call) => (call.answer as { code?: unknown }).code)).toEqual([429, 429]);
    expect(acceptedCreates(h.kie)).toHaveLength(1);
    expect(await usedBy(h, user)).toBe(1);
    expect(interaction.edits.filter((edit) => edit.content.startsWith('⚠️'))).toEqual([]);
  }, 45_000);
});
