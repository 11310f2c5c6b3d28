import { describe, expect} from 'vitest';
import { MEMBER } from '../helpers/harness.js';
import { it } from '../helpers/fixtures.js';
import { readCard } from '../helpers/result-card.js';

describe('/imagine end to end (real discord.js client, fake Discord and KIE)', () => {
  it('defers within the deadline, creates the task with the exact body, and delivers the image bytes', async ({ bot }) => {
    const h = await bot();
    const interaction = h.imagine({ prompt: 'a lighthouse at dusk, oil painting', aspect: '16:9', quality: 'high' });
    const ack = await interaction.waitForResponse();
    expect(ack.type).toBe(5);
    expect(ack.latencyMs).toBeLessThan(3000);
    expect(interaction.isEphemeral()).toBe(false);

    const delivered = await interaction.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(h.kie.creates).toHaveLength(1);
    expect(h.kie.creates[0]!.body).toEqual({
      model: 'seedream/4.5-text-to-image',
      input: { prompt: 'a lighthouse at dusk, oil painting', aspect_ratio: '16:9', quality: 'high' },
    });
    expect(h.kie.creates[0]!.headers.authorization).toBe(`Bearer ${h.kie.apiKey}`);
    const served = await h.kie.imageBytes('small');
    expect(Buffer.compare(delivered.attachments[0]!.bytes, served)).toBe(0);
    // A result card as Discord stored it: no content or embeds, the upload shown by the gallery.
    expect(delivered.content).toBe('');
    expect(delivered.embeds).toEqual([]);
    const card = readCard(delivered);
    expect(card.prompt).toContain('a lighthouse at dusk');
    expect(card.images).toEqual([`attachment://${delivered.attachments[0]!.filename}`]);
    for (const label of ['Aspect', 'Quality', 'Took']) expect(card.details).toContain(`**${label}**`);
    expect(card.details).toContain(`**Requested by** <@${MEMBER.id}>`);
    expect(delivered.allowedMentions).toEqual({ parse: [] });
    expect(delivered.mentions).toEqual({ everyone: false, users: [], roles: [] });
  });

  it('in a burst, every command is answered before any job sends its task to KIE', async ({ bot }) => {
    // One clock for both fakes, so their timestamps compare.
    const h = await bot({ discord: { now: Date.now }, kie: { defaultScenario: { outcome: 'never' } } });
    const burst = Array.from({ length: 40 }, (_, i) =>
      h.imagine({ prompt: `burst ${i}`, user: { id: String(1300000000000000000n + BigInt(i)), username: `member${i}` } }),
    );
    const acks = await Promise.all(burst.map((interaction) => interaction.waitForResponse(10_000)));
    expect(acks.every((ack) => ack.type === 5)).toBe(true);
    await h.kie.waitFor(() => h.kie.creates.length > 0);
    const lastAck = Math.max(...acks.map((ack) => ack.at));
    const firstCreate = Math.min(...h.kie.creates.map((create) => create.at));
    expect(firstCreate).toBeGreaterThanOrEqual(lastAck);
  });
});
