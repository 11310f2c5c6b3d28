import { describe, expect} from 'vitest';
import { MEMBER } from '../helpers/harness.js';
import { it } from '../helpers/fixtures.js';

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
    const embed = delivered.embeds[0] as { description: string; image: { url: string }; fields: { name: string; value: string }[] };
    expect(embed.description).toContain('a lighthouse at dusk');
    expect(embed.image.url).toBe(`attachment://${delivered.attachments[0]!.filename}`);
    expect(embed.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['Aspect', 'Quality', 'Took', 'Requested by']));
    expect(embed.fields.find((f) => f.name === 'Requested by')!.value).toBe(`<@${MEMBER.id}>`);
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
