import { describe, expect } from 'vitest';
import type { CommandOptionSpec, FakeUserSpec } from '../fakes/discord/index.js';
import { it } from '../helpers/fixtures.js';
import { ADMIN, CHANNEL_ID, GUILD_ID, MANAGE_GUILD, type Harness } from '../helpers/harness.js';
import { CALLBACK_MESSAGE, firstReply } from '../helpers/replies.js';

/**
 * `/imagine-admin priority add role:` puts the role's members first in the waiting line for KIE, fair among
 * themselves; `remove` and `list` manage the list. One createTask slot per window keeps the line long.
 */

const PATRONS = '1340000000000000050';
const member = (n: number): FakeUserSpec => ({ id: `13400000000000001${String(n).padStart(2, '0')}`, username: `m${n}` });

async function admin(h: Harness, action: 'add' | 'remove' | 'list', role?: string): Promise<string> {
  const leaf: CommandOptionSpec[] = role === undefined ? [] : [{ name: 'role', type: 8, value: role }];
  const interaction = h.discord.dispatchInteraction({
    commandName: 'imagine-admin',
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    user: ADMIN,
    memberPermissions: MANAGE_GUILD,
    options: [{ name: 'priority', type: 2, options: [{ name: action, type: 1, ...(leaf.length > 0 ? { options: leaf } : {}) }] }],
    ...(role === undefined ? {} : { resolvedRoles: [{ id: role, name: 'Patrons' }] }),
  });
  const reply = await firstReply(interaction);
  expect(reply.type).toBe(CALLBACK_MESSAGE);
  expect(reply.ephemeral).toBe(true);
  return reply.content;
}

const imagine = (h: Harness, prompt: string, user: FakeUserSpec, roles: string[] = []) =>
  h.discord.dispatchInteraction({
    commandName: 'imagine',
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    user,
    memberRoles: roles,
    options: [{ name: 'prompt', type: 3, value: prompt }],
  });

const createdPrompts = (h: Harness): string[] =>
  h.kie.creates.filter((call) => call.taskId !== undefined).map((call) => (call.body as { input: { prompt: string } }).input.prompt);

describe('priority roles', () => {
  it('members with a priority role go before everyone waiting, and are fair among themselves', async ({ bot }) => {
    const kieBudgets = { createLimit: { limit: 1, windowMs: 700 } };
    const h = await bot({ env: { QUOTA_DAILY: '20' }, tuning: { kieBudgets } });
    expect(await admin(h, 'list')).toBe('No role has priority: waiting images go in the fair order for everyone.');
    expect(await admin(h, 'add', PATRONS)).toBe(
      `Members with <@&${PATRONS}> now come first when images wait for the image service (fair among themselves). Priority roles: <@&${PATRONS}>.`,
    );
    expect(await admin(h, 'add', PATRONS)).toBe(`<@&${PATRONS}> already had priority.`);

    imagine(h, 'opener', member(1));
    await h.kie.waitFor(() => createdPrompts(h).length === 1);
    const waiting = [imagine(h, 'plain a', member(2)), imagine(h, 'plain b', member(3))];
    for (const interaction of waiting) await interaction.waitForOriginal((message) => message.content.startsWith('⏳'), 5_000);
    // A patron with two requests and another with one arrive last.
    const patrons = [imagine(h, 'patron x1', member(4), [PATRONS]), imagine(h, 'patron x2', member(4), [PATRONS]), imagine(h, 'patron y1', member(5), [PATRONS])];
    await patrons[2]!.waitForOriginal((message) => message.content.startsWith('⏳'), 5_000);
    await h.kie.waitFor(() => createdPrompts(h).length === 6, 15_000);
    const order = createdPrompts(h);
    console.info(`[priority] createTask order: ${order.join(', ')}`);
    // Patrons first: y1 (no starts) goes between x1 and x2; then the others in arrival order.
    expect(order).toEqual(['opener', 'patron x1', 'patron y1', 'patron x2', 'plain a', 'plain b']);

    expect(await admin(h, 'remove', PATRONS)).toBe(`<@&${PATRONS}> no longer has priority; no role has.`);
    expect(await admin(h, 'remove', PATRONS)).toBe(`<@&${PATRONS}> did not have priority.`);
  }, 40_000);
});
