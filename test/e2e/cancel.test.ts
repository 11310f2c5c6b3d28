import { PermissionFlagsBits } from 'discord.js';
import { describe, expect } from 'vitest';
import { utcDay } from '../../src/quota/day.js';
import type { FakeInteraction, FakeMessage, FakeUserSpec } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import { GUILD_ID, type Harness } from '../helpers/harness.js';
import { buttonsOf, hasImage, press, privateAnswer } from '../helpers/image-loop.js';
import { jobsIdle } from '../helpers/jobs.js';
import { person } from '../helpers/ids.js';

/**
 * A job that waits for a createTask slot carries a Cancel button on its status. Pressing it (the job's member,
 * or Manage Messages) ends the job before anything reaches KIE and gives the unit back; once createTask has
 * left, the button is gone and a press is told the image has started. The create budget here grants one
 * slot per window so that jobs wait without sending 20 first.
 */

const member = (n: number): FakeUserSpec => ({ id: `13200000000000000${String(n).padStart(2, '0')}`, username: `waiter${n}` });
const STRANGER = person('stranger');
const MANAGE_MESSAGES = String(PermissionFlagsBits.ManageMessages);

function oneSlotPer(windowMs: number) {
  return { createLimit: { limit: 1, windowMs } };
}

const hasCancel = (message: FakeMessage): boolean => buttonsOf(message).some((button) => button.custom_id?.startsWith('img:v1:cancel:'));
const createdPrompts = (h: Harness): string[] =>
  h.kie.creates.filter((call) => call.taskId !== undefined).map((call) => (call.body as { input: { prompt: string } }).input.prompt);
const used = (h: Harness, user: FakeUserSpec): Promise<number> => h.storage.counters.used({ guildId: GUILD_ID, userId: user.id, day: utcDay(Date.now()) });

async function waitingStatus(interaction: FakeInteraction): Promise<FakeMessage> {
  return interaction.waitForOriginal((message) => message.content.startsWith('⏳') && hasCancel(message), 5_000);
}

describe('cancel a waiting image', () => {
  it('ends a waiting job with no createTask ever and its unit back; the others are unaffected and lose their button once started', async ({ bot }) => {
    const h = await bot({ tuning: { kieBudgets: oneSlotPer(1_500) } });
    const first = h.imagine({ prompt: 'first', user: member(1) });
    await h.kie.waitFor(() => createdPrompts(h).length === 1);
    const second = h.imagine({ prompt: 'second', user: member(2) });
    const status = await waitingStatus(second);
    expect(status.content).toMatch(/^⏳ Waiting for a free slot: 1st in line, (about \d+ s|any moment now) · \d+s$/);
    const third = h.imagine({ prompt: 'third', user: member(3) });
    await waitingStatus(third);

    // Someone else may not cancel it.
    const refused = press(h.discord, status, 'Cancel', STRANGER);
    expect(await privateAnswer(refused)).toContain('Only the member who asked');

    const pressed = press(h.discord, status, 'Cancel', member(2));
    const cancelled = await second.waitForOriginal((message) => message.content.includes('Cancelled'), 5_000);
    expect(cancelled.content).toBe('✖️ Cancelled before it started. Your quota unit was given back.');
    expect(cancelled.components).toEqual([]);
    expect(pressed.updatesSourceMessage()).toBe(true);
    expect(await used(h, member(2))).toBe(0);

    // The third job moves up and goes on; once its task exists its status has no button.
    const delivered = await third.waitForOriginal(hasImage, 15_000);
    expect(buttonsOf(delivered).map((button) => button.label)).not.toContain('Cancel');
    const afterCreate = third.edits.filter((edit) => /Queued at the image service|Generating/.test(edit.content));
    expect(afterCreate.length).toBeGreaterThan(0);
    for (const edit of afterCreate) expect(hasCancel(edit)).toBe(false);
    await first.waitForOriginal(hasImage, 15_000);
    await jobsIdle(h.app.jobs);

    expect(createdPrompts(h).sort()).toEqual(['first', 'third']);
    expect(await used(h, member(1))).toBe(1);
    expect(await used(h, member(3))).toBe(1);
    // Pressed again (an old copy of the message): the job is gone, nothing changes.
    expect(await privateAnswer(press(h.discord, status, 'Cancel', member(2)))).toContain('nothing to cancel');
  }, 40_000);

  it('a member with Manage Messages may cancel someone else’s waiting image', async ({ bot }) => {
    const h = await bot({ tuning: { kieBudgets: oneSlotPer(5_000) } });
    h.imagine({ prompt: 'first', user: member(1) });
    await h.kie.waitFor(() => createdPrompts(h).length === 1);
    const second = h.imagine({ prompt: 'second', user: member(2) });
    const status = await waitingStatus(second);
    press(h.discord, status, 'Cancel', STRANGER, { memberPermissions: MANAGE_MESSAGES });
    const cancelled = await second.waitForOriginal((message) => message.content.includes('Cancelled'), 5_000);
    expect(cancelled.content).toContain('by a moderator');
    expect(await used(h, member(2))).toBe(0);
    expect(createdPrompts(h)).toEqual(['first']);
  }, 30_000);

  it('a press racing the create is answered truthfully: cancelled and no task, or "already started" and the image', async ({ bot }) => {
    const windowMs = 500;
    // Tasks outlive the presses, so a job that won the race is still running when its press is answered.
    const h = await bot({ tuning: { kieBudgets: oneSlotPer(windowMs) }, kie: { defaultScenario: { durationMs: 2_500 } } });
    const createdAt = (prompt: string): number | undefined =>
      h.kie.creates.find((call) => call.taskId !== undefined && (call.body as { input: { prompt: string } }).input.prompt === prompt)?.at;
    const offsets = [-30, -10, -3, 0, 3, 10, 30];
    const rounds = [];
    for (const [i, offset] of offsets.entries()) {
      // A filler takes the slot, so the racer waits exactly one window behind it.
      const filler = `filler ${i}`;
      h.imagine({ prompt: filler, user: member(20 + i) });
      await h.kie.waitFor(() => createdAt(filler) !== undefined, 5_000);
      const racer = { prompt: `race ${i}`, user: member(40 + i) };
      const interaction = h.imagine(racer);
      const status = await waitingStatus(interaction);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, createdAt(filler)! + windowMs + offset - Date.now())));
      const pressed = press(h.discord, status, 'Cancel', racer.user);
      await pressed.waitForResponse();
      rounds.push({ ...racer, interaction, pressed });
    }
    await h.kie.waitFor(() => h.app.jobs.inFlight === 0, 20_000);
    const created = createdPrompts(h);
    let cancelled = 0;
    let tooLate = 0;
    for (const round of rounds) {
      const answer = await round.pressed.waitForResponse();
      const original = round.interaction.original()!;
      if (answer.type === 6) {
        cancelled += 1;
        expect(original.content, round.prompt).toContain('Cancelled');
        expect(created, round.prompt).not.toContain(round.prompt);
        expect(await used(h, round.user), round.prompt).toBe(0);
      } else {
        tooLate += 1;
        expect((answer.data as { content: string }).content, round.prompt).toContain('Too late to cancel');
        expect(created, round.prompt).toContain(round.prompt);
        expect(hasImage(original), round.prompt).toBe(true);
        expect(await used(h, round.user), round.prompt).toBe(1);
      }
    }
    console.info(`[cancel race] of ${rounds.length} presses within 30 ms of their job's slot: ${cancelled} cancelled, ${tooLate} already started`);
    expect(cancelled + tooLate).toBe(rounds.length);
  }, 60_000);
});
