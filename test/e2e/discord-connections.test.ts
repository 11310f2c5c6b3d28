import { describe, expect} from 'vitest';
import { DISCORD_MAX_CONNECTIONS } from '../../src/discord/http-agent.js';
import { CALLBACK_MESSAGE, firstReply } from '../helpers/replies.js';
import { it } from '../helpers/fixtures.js';

describe('connections to Discord', () => {
  it('a burst of commands is answered over a bounded pool of keep-alive connections', async ({ bot }) => {
    const h = await bot();
    const burst = DISCORD_MAX_CONNECTIONS * 2 + 20;
    const before = h.discord.connectionsAccepted;
    const interactions = Array.from({ length: burst }, (_, i) =>
      h.command('quota', [], { user: { id: String(1300000000000000000n + BigInt(i)), username: `member${i}` } }),
    );
    const replies = await Promise.all(interactions.map((interaction) => firstReply(interaction, 15_000)));
    expect(replies.every((reply) => reply.type === CALLBACK_MESSAGE && reply.status < 300)).toBe(true);
    // One connection per request in flight would have taken `burst` of them.
    const opened = h.discord.connectionsAccepted - before;
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(DISCORD_MAX_CONNECTIONS);
  });
});
