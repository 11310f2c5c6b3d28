import { describe, expect} from 'vitest';
import { messages } from '../../src/messages.js';
import { firstReply } from '../helpers/replies.js';
import { acceptedCreates, expectDeliveredOnce, expectSettled } from '../helpers/restartable-bot.js';
import { MEMBER, crowd as members } from '../helpers/ids.js';
import { it } from '../helpers/fixtures.js';

/** main.ts gives up and exits 1 after this long; a clean stop must beat it. */
const SHUTDOWN_DEADLINE_MS = 10_000;

describe('graceful shutdown (SIGTERM) parks running jobs for the next start', () => {
  it('SIGTERM while a task runs: exit code 0 within 10 s, the job stays in the ledger, the next start delivers it once', async ({ restartableBot }) => {
    const rig = await restartableBot({ kie: { defaultScenario: { durationMs: 3_000 } } });
    const first = await rig.start();
    const interaction = rig.imagine({ prompt: 'a windmill at noon' });
    // The ledger holds the taskId once this is logged; progress edits come 1-2 s later, too close to the end.
    await first.waitForLog((l) => l.msg === 'task created', 10_000);
    const [taskId] = acceptedCreates(rig.kie);

    const stoppingAt = Date.now();
    expect(await first.kill('SIGTERM')).toBe(0);
    expect(Date.now() - stoppingAt).toBeLessThan(SHUTDOWN_DEADLINE_MS);
    // Lines still in the pipe when the process exited may arrive a moment later.
    await first.waitForLog((l) => l.msg === 'job left in the ledger for the next start' && l['taskId'] === taskId, 5_000);
    await rig.readStore(async (store) => {
      expect(store.jobs).toMatchObject([{ taskId, phase: 'watching' }]);
      expect(await store.used(MEMBER.id)).toBe(1);
    });

    const second = await rig.start();
    await second.waitForLog((l) => l.msg === 'resuming job' && l['taskId'] === taskId && l['phase'] === 'watching');
    await expectDeliveredOnce(rig, interaction);
    expect(acceptedCreates(rig.kie)).toEqual([taskId]);
    await expectSettled(rig, { [MEMBER.id]: 1 });
  }, 60_000);

  it('SIGTERM while createTask is in flight: the create is let finish, a new /imagine is told "restarting", one task in all', async ({ restartableBot }) => {
    const rig = await restartableBot({ kie: { defaultScenario: { durationMs: 500 } } });
    const [latecomer] = members(1);
    const first = await rig.start();
    // KIE answers this create after 3 s; cutting it would leave a billed task nobody follows, so stop waits.
    rig.kie.nextCreate({ delayMs: 3_000 });
    const interaction = rig.imagine({ prompt: 'a lantern in the fog' });
    await rig.kie.waitFor(() => rig.kie.creates.length === 1, 10_000);

    const stoppingAt = Date.now();
    const exited = first.kill('SIGTERM');
    await first.waitForLog((l) => l.msg.startsWith('shutting down'));
    const refused = rig.imagine({ prompt: 'a prompt sent during the restart', user: latecomer });
    expect(await firstReply(refused)).toMatchObject({ type: 4, ephemeral: true, content: messages.restarting });
    expect(await exited).toBe(0);
    expect(Date.now() - stoppingAt).toBeLessThan(SHUTDOWN_DEADLINE_MS);

    const [taskId] = acceptedCreates(rig.kie);
    await first.waitForLog((l) => l.msg === 'task created' && l['taskId'] === taskId, 5_000);
    await first.waitForLog((l) => l.msg === 'job left in the ledger for the next start' && l['taskId'] === taskId, 5_000);
    await rig.readStore(async (store) => {
      expect(store.jobs).toMatchObject([{ taskId, phase: 'watching' }]);
      expect(await store.used(MEMBER.id)).toBe(1);
      expect(await store.used(latecomer!.id)).toBe(0);
    });

    const second = await rig.start();
    await second.waitForLog((l) => l.msg === 'resuming job' && l['taskId'] === taskId);
    await expectDeliveredOnce(rig, interaction);
    expect(rig.kie.creates).toHaveLength(1);
    expect(refused.edits).toEqual([]);
    await expectSettled(rig, { [MEMBER.id]: 1, [latecomer!.id]: 0 });
  }, 60_000);
});
