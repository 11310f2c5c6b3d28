import { PermissionFlagsBits } from 'discord.js';
import { describe, expect } from 'vitest';
import { messages } from '../../src/messages.js';
import { it } from '../helpers/fixtures.js';
import { expectImageButtons, hasImage, press, privateAnswer } from '../helpers/image-loop.js';
import { CHANNEL_ID, GUILD_ID, MEMBER, person } from '../helpers/ids.js';

const NEIGHBOUR = person('neighbour');

describe('the buttons of an image work in a fresh bot process after a SIGKILL', () => {
  it('Reroll, Edit, Delete and /history, all answered by the process started after the kill', async ({ restartableBot }) => {
    const rig = await restartableBot({ kie: { defaultScenario: { durationMs: 200 } } });
    const first = await rig.start();
    const image = await rig.imagine({ prompt: 'a windmill at noon', aspect: '4:3' }).waitForOriginal(hasImage, 20_000);
    expectImageButtons(image);
    // Killed once the job is settled (else the next process would deliver it again, as a new upload).
    await expect.poll(() => rig.readStore(async (store) => store.jobs.length), { timeout: 10_000 }).toBe(0);
    await first.kill('SIGKILL');
    await rig.start();

    const reroll = press(rig.discord, image, 'Reroll', NEIGHBOUR);
    expect((await reroll.waitForResponse()).type).toBe(5);
    const rerolled = await reroll.waitForOriginal(hasImage, 20_000);
    expectImageButtons(rerolled);

    const opener = press(rig.discord, image, 'Edit', MEMBER);
    expect((await opener.waitForResponse()).type).toBe(9);
    const submitted = rig.discord.submitModal(opener, { change: 'add a rainbow' });
    const edited = await submitted.waitForOriginal(hasImage, 20_000);
    expectImageButtons(edited);

    const bodies = rig.kie.creates.filter((call) => call.taskId !== undefined).map((call) => call.body);
    expect(bodies).toEqual([
      { model: 'seedream/4.5-text-to-image', input: { prompt: 'a windmill at noon', aspect_ratio: '4:3', quality: 'basic' } },
      { model: 'seedream/4.5-text-to-image', input: { prompt: 'a windmill at noon', aspect_ratio: '4:3', quality: 'basic' } },
      {
        model: 'seedream/4.5-edit',
        input: { prompt: 'add a rainbow', aspect_ratio: '4:3', quality: 'basic', image_urls: [rig.discord.attachmentUrl(CHANNEL_ID, image.attachments[0]!)] },
      },
    ]);

    expect(await privateAnswer(press(rig.discord, image, 'Delete', NEIGHBOUR))).toBe(messages.deleteNotAllowed);
    const byModerator = press(rig.discord, rerolled, 'Delete', NEIGHBOUR, { memberPermissions: String(PermissionFlagsBits.ManageMessages) });
    expect((await byModerator.waitForResponse()).type).toBe(6);
    await expect.poll(() => rig.discord.findMessage(rerolled.id), { timeout: 5_000 }).toBeUndefined();
    const byOwner = press(rig.discord, image, 'Delete', MEMBER);
    expect((await byOwner.waitForResponse()).type).toBe(6);
    await expect.poll(() => rig.discord.findMessage(image.id), { timeout: 5_000 }).toBeUndefined();

    const history = rig.command('history', [], { user: MEMBER });
    await history.waitForResponse();
    const description = (history.original()!.embeds[0] as { description: string }).description;
    expect(description).toContain('add a rainbow');
    expect(description).not.toContain('a windmill at noon');
    expect(description).toContain(`https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${edited.id}`);

    await rig.readStore(async (store) => {
      expect(await store.used(MEMBER.id)).toBe(2);
      expect(await store.used(NEIGHBOUR.id)).toBe(1);
    });
  }, 90_000);
});
