import { describe, expect} from 'vitest';
import { nextUtcMidnight } from '../../src/quota/day.js';
import { type Harness } from '../helpers/harness.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply } from '../helpers/replies.js';
import { it } from '../helpers/fixtures.js';
import { jobsIdle } from '../helpers/jobs.js';

/** The Discord timestamps (relative and short time) for the next UTC midnight, allowing for a run across midnight. */
function resetStamps(before: number, after: number): RegExp {
  const seconds = [...new Set([nextUtcMidnight(before), nextUtcMidnight(after)])].map((ms) => Math.floor(ms / 1000));
  return new RegExp(`<t:(${seconds.join('|')}):R> \\(<t:(${seconds.join('|')}):t>\\)`);
}

describe('/quota and quota refusals, end to end', () => {
  /** Runs /quota and checks it is answered at once, privately; returns the text. */
  const quota = async (h: Harness): Promise<string> => {
    const before = Date.now();
    const interaction = h.command('quota');
    const reply = await firstReply(interaction);
    expect(reply.type).toBe(CALLBACK_MESSAGE);
    expect(reply.ephemeral).toBe(true);
    expect(interaction.isEphemeral()).toBe(true);
    expect(reply.content).toMatch(resetStamps(before, Date.now()));
    return reply.content;
  };

  it('shows used/limit, the reset time and what is in progress, before, during and after a job', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '5' }, kie: { defaultScenario: { outcome: 'never' } } });
    const idle = await quota(h);
    expect(idle).toContain('**Today:** 0/5 images used, 5 left.');
    expect(idle).not.toContain('In progress');

    const job = h.imagine({ prompt: 'a long one' });
    expect((await firstReply(job)).type).toBe(CALLBACK_DEFERRED);
    await h.kie.waitFor(() => h.kie.creates[0]?.taskId !== undefined);
    const running = await quota(h);
    expect(running).toContain('**Today:** 1/5 images used, 4 left.');
    expect(running).toContain('**In progress:** 1 image.');

    h.kie.completeTask(h.kie.creates[0]!.taskId!);
    await job.waitForOriginal((m) => m.attachments.length > 0, 10_000);
    await jobsIdle(h.app.jobs);
    const done = await quota(h);
    expect(done).toContain('**Today:** 1/5 images used, 4 left.');
    expect(done).not.toContain('In progress');
  });

  it('a failed task gives its unit back', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '5' }, kie: { defaultScenario: { outcome: 'never' } } });
    const job = h.imagine({ prompt: 'doomed' });
    await h.kie.waitFor(() => h.kie.creates[0]?.taskId !== undefined);
    expect(await quota(h)).toContain('**Today:** 1/5 images used, 4 left.');

    h.kie.completeTask(h.kie.creates[0]!.taskId!, 'fail');
    const failed = await job.waitForOriginal((m) => m.content.includes('could not be generated'), 10_000);
    expect(failed.content).toContain('quota was not used');
    await jobsIdle(h.app.jobs);
    const after = await quota(h);
    expect(after).toContain('**Today:** 0/5 images used, 5 left.');
    expect(after).not.toContain('In progress');
  });

  it('a member with no quota left is refused privately at once, before any KIE call, with used/limit and the reset time', async ({ bot }) => {
    const h = await bot({ env: { QUOTA_DAILY: '2' } });
    for (const prompt of ['first', 'second']) expect((await firstReply(h.imagine({ prompt }))).type).toBe(CALLBACK_DEFERRED);
    await h.kie.waitFor(() => h.kie.creates.length === 2);

    const before = Date.now();
    const interaction = h.imagine({ prompt: 'third' });
    const refused = await firstReply(interaction);
    expect(refused.type).toBe(CALLBACK_MESSAGE);
    expect(refused.ephemeral).toBe(true);
    expect(interaction.isEphemeral()).toBe(true);
    // Type 4 (not 5) already shows the refusal was decided before the bot would have deferred.
    expect(refused.latencyMs).toBeLessThan(3000);
    expect(refused.content).toContain('You have used your 2 images for today (2/2).');
    expect(refused.content).toMatch(resetStamps(before, Date.now()));
    // Nothing else happens to a refused interaction: no edit, no follow-up, no task.
    await jobsIdle(h.app.jobs);
    expect(h.kie.creates).toHaveLength(2);
    // The two admitted jobs run concurrently, so their creates may reach KIE in either order.
    expect(h.kie.creates.map((c) => (c.body as { input: { prompt: string } }).input.prompt).sort()).toEqual(['first', 'second']);
    expect(interaction.edits).toHaveLength(0);
    expect(interaction.followups).toHaveLength(0);
    expect(await quota(h)).toContain('**Today:** 2/2 images used, 0 left.');
  });
});
