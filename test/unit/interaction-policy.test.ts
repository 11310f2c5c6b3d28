import type { RepliableInteraction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { answerFailure } from '../../src/bot.js';
import { Refusal } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { messages } from '../../src/messages.js';
import { StorageError } from '../../src/storage/index.js';
import { captureLogs } from '../helpers/log-capture.js';
import { GUILD_ID, MEMBER, interactionId } from '../helpers/ids.js';

type Answer = { content?: string; flags?: unknown; allowedMentions?: unknown };
type Call = { method: 'reply' | 'followUp' | 'deleteReply'; options?: Answer };

/** An interaction in one of its three states, recording what the policy does with it. */
function interaction(state: 'new' | 'deferred' | 'replied') {
  const calls: Call[] = [];
  const fake = {
    id: interactionId(1),
    guildId: GUILD_ID,
    user: { id: MEMBER.id },
    deferred: state === 'deferred',
    replied: state === 'replied',
    commandName: 'imagine',
    isCommand: () => true,
    isMessageComponent: () => false,
    isModalSubmit: () => false,
    reply: async (options: Answer) => void calls.push({ method: 'reply', options }),
    followUp: async (options: Answer) => void calls.push({ method: 'followUp', options }),
    deleteReply: async () => void calls.push({ method: 'deleteReply' }),
  };
  return { interaction: fake as unknown as RepliableInteraction, calls };
}

async function answer(state: 'new' | 'deferred' | 'replied', error: unknown) {
  const logs = captureLogs();
  const { interaction: target, calls } = interaction(state);
  await answerFailure(target, error, createLogger({ level: 'info', destination: logs.destination }));
  return { calls, logs: logs.lines };
}

describe('the interaction error policy', () => {
  it('answers a refusal privately with its sentence, logged as a refusal', async () => {
    const { calls, logs } = await answer('new', new Refusal({ code: 'banned_word', word: 'dragon' }));
    expect(calls).toEqual([{ method: 'reply', options: { content: messages.bannedWord('dragon'), flags: 64, allowedMentions: { parse: [] } } }]);
    expect(logs).toMatchObject([{ level: 30, msg: 'interaction refused', refusal: 'banned_word', command: 'imagine' }]);
  });

  it('replaces a deferred public "thinking…" with a private answer', async () => {
    const { calls } = await answer('deferred', new Refusal({ code: 'paused' }));
    expect(calls.map((c) => c.method)).toEqual(['deleteReply', 'followUp']);
    expect(calls[1]?.options).toMatchObject({ content: messages.paused, flags: 64 });
  });

  it('follows up when the interaction was already answered', async () => {
    const { calls } = await answer('replied', new Refusal({ code: 'admin_only' }));
    expect(calls).toMatchObject([{ method: 'followUp', options: { content: messages.adminOnly, flags: 64 } }]);
  });

  it('says the database is unreachable only for a store error', async () => {
    const store = await answer('new', new Error('query failed', { cause: new StorageError('redis is down') }));
    expect(store.calls[0]?.options?.content).toBe(messages.storeUnavailable);
    expect(store.logs[0]).toMatchObject({ level: 50, msg: 'store unavailable during an interaction' });
  });

  it('treats anything else as a bug: logged as one, answered with an apology, never as "database unavailable"', async () => {
    const { calls, logs } = await answer('new', new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(calls[0]?.options?.content).toBe(messages.commandFailed);
    expect(logs[0]).toMatchObject({ level: 50, msg: 'interaction failed: bug' });
  });
});
