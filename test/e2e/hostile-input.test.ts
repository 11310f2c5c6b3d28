import { readdir } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ASPECT_RATIOS, QUALITIES } from '../../src/kie/index.js';
import { messages } from '../../src/messages.js';
import { utcDay } from '../../src/quota/day.js';
import type { FakeInteraction, FakeMessage, FakeUserSpec } from '../fakes/discord/index.js';
import type { TaskScenario } from '../fakes/kie/index.js';
import { startHarness, GUILD_ID, type Harness } from '../helpers/harness.js';
import { CALLBACK_DEFERRED, CALLBACK_MESSAGE, firstReply, type FirstReply } from '../helpers/replies.js';
import { jobsIdle } from '../helpers/jobs.js';
import { readCard } from '../helpers/result-card.js';
import { CARD_LIMITS } from '../../src/discord/result-card.js';

/**
 * A catalogue of hostile /imagine requests and hostile KIE answers, each run end to end through the real
 * discord.js client, the fake Discord (which validates embeds and computes mentions) and the fake KIE.
 *
 * Every case checks the same invariants: the member gets a clear answer (private for a refusal, the public
 * reply edited for a job failure), no quota unit is lost, the expected number of tasks is created, no one
 * is pinged, and no promise rejection goes unhandled.
 */

const ACK_DEADLINE_MS = 3_000;
const NO_ONE = { everyone: false, users: [], roles: [] };
const NORMAL_TASK: TaskScenario = { durationMs: 300 };
const SHORT_TIMEOUT_SECONDS = 2;

type Expected =
  /** Refused at once with a private reply; nothing reaches KIE. */
  | { outcome: 'refused'; reply: string }
  /** Deferred publicly, then the reply is edited to `⚠️ reply`; the task (if any) is not charged. */
  | { outcome: 'failed'; reply: string; creates: 0 | 1 }
  /** The image is delivered in the reply; exactly one task, one quota unit used. */
  | { outcome: 'delivered'; sentPrompt?: string };

interface Seen {
  interaction: FakeInteraction;
  first: FirstReply;
  /** The reply as the member finally sees it. */
  final: FakeMessage | undefined;
  /** input.prompt of the createTask this case caused, when one reached KIE. */
  sentPrompt: string | undefined;
  /** The prompt as the delivered result card shows it. */
  shownPrompt: string | undefined;
}

interface HostileCase {
  name: string;
  prompt: string;
  aspect?: string;
  quality?: string;
  /** Sent from a direct message instead of the server. */
  dm?: boolean;
  /** What the fake KIE does with the task; defaults to a quick success. */
  task?: TaskScenario;
  /** Runs on a bot with JOB_TIMEOUT_SECONDS=SHORT_TIMEOUT_SECONDS. */
  shortTimeout?: boolean;
  expected: Expected;
  check?: (seen: Seen) => void;
}

const codePoints = (text: string): number => [...text].length;
/** A `[` that is not escaped with a backslash opens a clickable masked link. */
const UNESCAPED_BRACKET = /(?<!\\)\[/;

const CASES: HostileCase[] = [
  // ---- prompts refused before anything is reserved or sent ----
  { name: 'empty prompt', prompt: '', expected: { outcome: 'refused', reply: messages.emptyPrompt } },
  { name: 'whitespace only', prompt: '  \n\t \u00a0\u3000 ', expected: { outcome: 'refused', reply: messages.emptyPrompt } },
  {
    name: 'zero-width characters only',
    prompt: '\u200b\u200c\u200d\u2060\ufeff\u200b',
    expected: { outcome: 'refused', reply: messages.emptyPrompt },
  },
  {
    name: 'control characters and direction overrides only',
    prompt: '\u0000\u0007\u001b\u202e\u2066\u2069',
    expected: { outcome: 'refused', reply: messages.emptyPrompt },
  },
  { name: 'blank-rendering Hangul fillers only', prompt: '\u3164\u3164\u115f', expected: { outcome: 'refused', reply: messages.emptyPrompt } },
  { name: '3001 characters', prompt: 'a'.repeat(3001), expected: { outcome: 'refused', reply: messages.promptTooLong(3001, 3000) } },
  { name: '3001 CJK characters', prompt: '字'.repeat(3001), expected: { outcome: 'refused', reply: messages.promptTooLong(3001, 3000) } },
  {
    name: 'aspect 5:4 from a tampered client',
    prompt: 'a cat',
    aspect: '5:4',
    expected: { outcome: 'refused', reply: messages.invalidChoice('aspect', ASPECT_RATIOS) },
    check: ({ first }) => {
      for (const ratio of ASPECT_RATIOS) expect(first.content).toContain(`\`${ratio}\``);
    },
  },
  {
    name: 'quality ultra from a tampered client',
    prompt: 'a cat',
    quality: 'ultra',
    expected: { outcome: 'refused', reply: messages.invalidChoice('quality', QUALITIES) },
    check: ({ first }) => {
      for (const quality of QUALITIES) expect(first.content).toContain(`\`${quality}\``);
    },
  },
  { name: 'the command from a DM', prompt: 'a cat', dm: true, expected: { outcome: 'refused', reply: messages.guildOnly } },

  // ---- prompts that must arrive intact (or cleaned) and render safely ----
  {
    name: "exactly 3000 characters of 'é'",
    prompt: '\u00e9'.repeat(3000),
    expected: { outcome: 'delivered' },
    check: ({ shownPrompt }) => expect(shownPrompt).toBe('\u00e9'.repeat(3000)),
  },
  {
    name: "exactly 3000 characters of '字'",
    prompt: '字'.repeat(3000),
    expected: { outcome: 'delivered' },
    check: ({ shownPrompt }) => expect(shownPrompt).toBe('字'.repeat(3000)),
  },
  {
    name: '3000 markdown characters, which escaping doubles past 4096',
    prompt: '*_'.repeat(1500),
    expected: { outcome: 'delivered' },
    check: ({ shownPrompt }) => {
      expect(shownPrompt!.length).toBeLessThanOrEqual(CARD_LIMITS.text);
      expect(shownPrompt!.endsWith('…')).toBe(true);
      expect(shownPrompt).toMatch(/^(\\\*\\_)+/);
    },
  },
  {
    // 3000 emoji are 6000 UTF-16 units, the unit KIE's limit is enforced in by our client: refused up front.
    name: '3000 emoji',
    prompt: '🐈'.repeat(3000),
    expected: { outcome: 'refused', reply: messages.promptTooLong(6000, 3000) },
  },
  {
    name: 'only emoji, with joiner sequences',
    prompt: '🎨🌅 🐈‍⬛ 👩🏽‍💻 🏳️‍🌈',
    expected: { outcome: 'delivered' },
    check: ({ shownPrompt }) => expect(shownPrompt).toBe('🎨🌅 🐈‍⬛ 👩🏽‍💻 🏳️‍🌈'),
  },
  {
    name: 'zero-width and control characters inside the prompt',
    prompt: 'a\u200b red\u0000 fox\u0007 in\ufeff the\u200c snow,\u2060 c\u200dalm\u001b',
    expected: { outcome: 'delivered', sentPrompt: 'a red fox in the snow, calm' },
  },
  {
    name: 'right-to-left override',
    prompt: 'invoice\u202egnp.exe on a desk',
    expected: { outcome: 'delivered', sentPrompt: 'invoicegnp.exe on a desk' },
    check: ({ shownPrompt }) => expect(shownPrompt).not.toContain('\u202e'),
  },
  {
    name: '@everyone, @here, a user and a role mention',
    prompt: '@everyone @here <@1200000000000000001> <@!1200000000000000009> <@&1300000000000000001> look at this',
    expected: { outcome: 'delivered' },
    check: ({ final }) => expect(final!.allowedMentions).toEqual({ parse: [] }),
  },
  {
    name: 'markdown that would restyle the embed',
    prompt: '```js\nalert(1)\n```\n**bold** __under__ ||spoiler|| [free nitro](http://evil.example/login)\n# heading\n> quote\n-# subtext',
    expected: { outcome: 'delivered' },
    check: ({ shownPrompt }) => {
      expect(shownPrompt).toContain('\\`\\`\\`js');
      expect(shownPrompt).toContain('\\*\\*bold\\*\\*');
      expect(shownPrompt).toContain('\\_\\_under\\_\\_');
      expect(shownPrompt).toContain('\\|\\|spoiler\\|\\|');
      expect(shownPrompt).toContain('\\[free nitro\\](http://evil.example/login)');
      expect(shownPrompt).not.toMatch(UNESCAPED_BRACKET);
      expect(shownPrompt).toMatch(/^\\# heading$/m);
      expect(shownPrompt).toMatch(/^\\> quote$/m);
      expect(shownPrompt).toMatch(/^\\-# subtext$/m);
    },
  },
  {
    name: 'two masked links on one line',
    prompt: 'see [my art](http://ok.example) and [a prize](http://evil.example/steal)',
    expected: { outcome: 'delivered' },
    check: ({ shownPrompt }) => expect(shownPrompt).not.toMatch(UNESCAPED_BRACKET),
  },

  // ---- hostile answers from KIE ----
  {
    name: 'KIE succeeds with empty resultUrls',
    prompt: 'an empty frame',
    task: { durationMs: 300, resultJson: '{"resultUrls":[]}' },
    expected: { outcome: 'failed', reply: messages.imageUnavailable, creates: 1 },
  },
  {
    name: 'KIE resultJson that is not JSON',
    prompt: 'a broken frame',
    task: { durationMs: 300, resultJson: 'not json {' },
    expected: { outcome: 'failed', reply: messages.imageUnavailable, creates: 1 },
  },
  {
    name: 'a result URL that answers 404',
    prompt: 'a lost picture',
    task: { durationMs: 300, image: '404' },
    expected: { outcome: 'failed', reply: messages.imageUnavailable, creates: 1 },
  },
  {
    name: 'a result URL that serves HTML',
    prompt: 'a web page',
    task: { durationMs: 300, image: 'html' },
    expected: { outcome: 'failed', reply: messages.imageUnavailable, creates: 1 },
  },
  {
    name: 'an unknown state that later turns into success',
    prompt: 'a mysterious fog',
    task: { states: [{ state: 'warming_up', afterMs: 0 }, { state: 'success', afterMs: 900 }] },
    expected: { outcome: 'delivered' },
    check: ({ interaction }) => {
      expect(interaction.edits.some((edit) => edit.content.includes('Working on it'))).toBe(true);
    },
  },
  {
    name: 'an unknown state that never ends',
    prompt: 'an endless wait',
    task: { states: [{ state: 'limbo', afterMs: 0 }], outcome: 'never' },
    shortTimeout: true,
    expected: { outcome: 'failed', reply: messages.timedOut(SHORT_TIMEOUT_SECONDS * 1000), creates: 1 },
  },
];

const member = (index: number): FakeUserSpec => ({ id: `13000000000000${String(index).padStart(5, '0')}`, username: `hostile${index}` });

function promptSent(h: Harness, createsBefore: number): string | undefined {
  const call = h.kie.creates[createsBefore];
  const body = call?.body as { input?: { prompt?: unknown } } | undefined;
  return typeof body?.input?.prompt === 'string' ? body.input.prompt : undefined;
}

/** The prompt as the result card shows it, when the image was delivered. */
function cardPrompt(message: FakeMessage | undefined): string | undefined {
  return message === undefined || message.attachments.length === 0 ? undefined : readCard(message).prompt;
}

describe('hostile input, end to end', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  let main: Harness;
  let shortTimeout: Harness | undefined;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    main = await startHarness({ kie: { defaultScenario: NORMAL_TASK } });
  });

  afterAll(async () => {
    await Promise.all([main?.close(), shortTimeout?.close()]);
    process.off('unhandledRejection', onUnhandled);
  });

  afterEach(() => {
    expect(unhandled).toEqual([]);
  });

  async function harnessFor(hostile: HostileCase): Promise<Harness> {
    if (!hostile.shortTimeout) return main;
    shortTimeout ??= await startHarness({ env: { JOB_TIMEOUT_SECONDS: String(SHORT_TIMEOUT_SECONDS) } });
    return shortTimeout;
  }

  function dispatch(h: Harness, hostile: HostileCase, user: FakeUserSpec): FakeInteraction {
    if (!hostile.dm) return h.imagine({ prompt: hostile.prompt, user, ...pick(hostile, 'aspect', 'quality') });
    return h.discord.dispatchInteraction({ commandName: 'imagine', options: [{ name: 'prompt', type: 3, value: hostile.prompt }], user });
  }

  it('catalogues at least 20 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((hostile, index) => [hostile.name, hostile, index] as const))('%s', async (_name, hostile, index) => {
    const h = await harnessFor(hostile);
    const user = member(index);
    const usedToday = () => h.storage.counters.used({ guildId: GUILD_ID, userId: user.id, day: utcDay(Date.now()) });
    h.kie.setDefaultScenario(hostile.task ?? NORMAL_TASK);
    const createsBefore = h.kie.creates.length;

    const interaction = dispatch(h, hostile, user);
    const first = await firstReply(interaction);
    expect(first.status).toBeLessThan(300);
    expect(first.latencyMs).toBeLessThan(ACK_DEADLINE_MS);

    const { expected } = hostile;
    let final: FakeMessage | undefined;
    if (expected.outcome === 'refused') {
      expect(first.type).toBe(CALLBACK_MESSAGE);
      expect(first.ephemeral).toBe(true);
      expect(first.content).toBe(expected.reply);
    } else {
      expect(first.type).toBe(CALLBACK_DEFERRED);
      expect(first.ephemeral).toBe(false);
      final = await interaction.waitForOriginal((m) => m.attachments.length > 0 || m.content.startsWith('⚠️'), 15_000);
      if (expected.outcome === 'failed') {
        expect(final.content).toBe(`⚠️ ${expected.reply}`);
        expect(final.attachments).toHaveLength(0);
        expect(final.embeds).toHaveLength(0);
        expect(interaction.edits.at(-1)?.content).toBe(final.content);
      } else {
        expect(final.attachments).toHaveLength(1);
        expect(final.embeds).toHaveLength(0);
        expect(readCard(final).images).toEqual([`attachment://${final.attachments[0]!.filename}`]);
        expect(final.content).toBe('');
      }
    }
    await jobsIdle(h.app.jobs);
    // No downloaded file outlives its job, whether the image was delivered or refused (an HTML page).
    expect(await readdir(h.downloadDir)).toEqual([]);

    const creates = expected.outcome === 'refused' ? 0 : expected.outcome === 'failed' ? expected.creates : 1;
    expect(h.kie.creates.length - createsBefore).toBe(creates);
    expect(h.kie.creates.slice(createsBefore).every((call) => call.taskId !== undefined)).toBe(true);
    // Only a delivered image costs a unit; refusals reserve nothing and failures are refunded.
    expect(await usedToday()).toBe(expected.outcome === 'delivered' ? 1 : 0);
    const sentPrompt = promptSent(h, createsBefore);
    if (expected.outcome === 'delivered') expect(sentPrompt).toBe(expected.sentPrompt ?? hostile.prompt.trim());

    // No message the member's request produced pings anyone, not even a progress edit.
    const shown = [interaction.original(), ...interaction.edits, ...interaction.followups].filter((m) => m !== undefined);
    for (const message of shown) expect(message.mentions, message.content).toEqual(NO_ONE);
    expect(interaction.followups).toHaveLength(0);

    const shownPrompt = cardPrompt(final);
    if (shownPrompt !== undefined) expect(codePoints(shownPrompt)).toBeLessThanOrEqual(CARD_LIMITS.text);
    hostile.check?.({ interaction, first, final, sentPrompt, shownPrompt });
  });
});

function pick<T extends object, K extends keyof T>(source: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
