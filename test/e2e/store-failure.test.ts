import { describe, expect} from 'vitest';
import { messages } from '../../src/messages.js';
import { ADMIN, MANAGE_GUILD } from '../helpers/harness.js';
import { it } from '../helpers/fixtures.js';
import { person } from '../helpers/ids.js';

const BLOCKED = person('troll');

describe('a store error during a command', () => {
  it('answers privately that the database is unreachable and creates no task', async ({ bot }) => {
    const h = await bot();
    await h.storage.close();
    const interaction = h.imagine({ prompt: 'a lighthouse' });
    const response = await interaction.waitForResponse(5_000);
    expect(response.type).toBe(4);
    expect(interaction.isEphemeral()).toBe(true);
    expect(interaction.original()?.content).toBe(messages.storeUnavailable);
    expect(h.kie.creates).toHaveLength(0);
  });

  it('/quota says so too, instead of failing silently', async ({ bot }) => {
    const h = await bot();
    await h.storage.close();
    const interaction = h.command('quota');
    await interaction.waitForResponse(5_000);
    expect(interaction.isEphemeral()).toBe(true);
    expect(interaction.original()?.content).toBe(messages.storeUnavailable);
  });
});

describe('a store error during an admin command', () => {
  it('tells the admin privately that nothing was changed', async ({ bot }) => {
    const h = await bot();
    await h.storage.close();
    const interaction = h.command('imagine-admin', [{ name: 'block', type: 1, options: [{ name: 'user', type: 6, value: BLOCKED.id }] }], {
      user: ADMIN,
      memberPermissions: MANAGE_GUILD,
      resolvedUsers: [{ id: BLOCKED.id }],
    });
    await interaction.waitForResponse(5_000);
    expect(interaction.isEphemeral()).toBe(true);
    expect(interaction.original()?.content).toBe(messages.storeUnavailable);
  });
});
