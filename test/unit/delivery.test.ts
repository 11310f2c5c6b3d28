import { captureLogs } from '../helpers/log-capture.js';
import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import type { DiscordReplies, OutgoingMessage } from '../../src/discord/replies.js';
import {
  DeliveryError,
  deliverOnce,
  INTERACTION_TOKEN_LIFETIME_MS,
  TOKEN_SAFETY_MARGIN_MS,
  tokenUsable,
} from '../../src/jobs/delivery.js';
import type { DeliveryTarget } from '../../src/discord/message-refs.js';
import type { JobIn } from '../../src/jobs/job.js';
import { createLogger } from '../../src/log.js';

const CREATED_AT = 1_700_000_000_000;
const TOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpzZWNyZXQ';

function job(overrides: Partial<JobIn<'delivering'>> = {}): JobIn<'delivering'> {
  return {
    id: 'job-1',
    guildId: '100',
    channelId: '200',
    userId: '300',
    applicationId: '400',
    interactionId: '500',
    interactionToken: TOKEN,
    createdAt: CREATED_AT,
    request: { prompt: 'a fox', aspect: '1:1', quality: 'basic' },
    attachmentSizeLimit: 10 * 1024 * 1024,
    reservation: { guildId: '100', userId: '300', day: '2023-11-14' },
    phase: 'delivering',
    taskId: 'task-1',
    submittedAt: CREATED_AT,
    resultUrl: 'https://tempfile.example/image.png',
    ...overrides,
  };
}

function discordError(status: number, code: number, message = 'error'): DiscordAPIError {
  return new DiscordAPIError({ code, message }, code, status, 'POST', 'https://discord.com/api/v10/x', { body: undefined, files: undefined });
}

const errors = {
  invalidWebhookToken: () => discordError(401, 50027, 'Invalid Webhook Token'),
  unknownWebhook: () => discordError(404, 10015, 'Unknown Webhook'),
  unknownMessage: () => discordError(404, 10008, 'Unknown Message'),
  missingPermissions: () => discordError(403, 50013, 'Missing Permissions'),
  missingAccess: () => discordError(403, 50001, 'Missing Access'),
  cannotDm: () => discordError(403, 50007, 'Cannot send messages to this user'),
  tooLarge: () => discordError(413, 40005, 'Request entity too large'),
  rateLimited: () => discordError(429, 0, 'You are being rate limited.'),
  serverError: () => discordError(502, 0, 'Bad Gateway'),
  badBody: () => discordError(400, 50035, 'Invalid Form Body'),
};

interface Call {
  target: DeliveryTarget;
  args: unknown[];
  message: OutgoingMessage;
}

/** Records each call; a target with an error queued throws it instead. */
function fakeReplies(failures: Partial<Record<DeliveryTarget, () => unknown>> = {}): DiscordReplies & { calls: Call[] } {
  const calls: Call[] = [];
  const attempt = async (target: DeliveryTarget, args: unknown[], message: OutgoingMessage) => {
    calls.push({ target, args, message });
    const failure = failures[target];
    if (failure) throw failure();
    return { id: `${target}-message`, channelId: target === 'channel' ? String(args[0]) : `${target}-channel` };
  };
  return {
    calls,
    editOriginal: (applicationId, interactionToken, message) => attempt('original', [applicationId, interactionToken], message),
    sendToChannel: (channelId, message) => attempt('channel', [channelId], message),
    sendDirect: (userId, message) => attempt('dm', [userId], message),
  };
}

function collectingLogger() {
  const logs = captureLogs();
  return { logger: createLogger({ level: 'debug', destination: logs.destination }), lines: logs.lines };
}

const build = (late: boolean): OutgoingMessage => ({
  content: late ? '<@300>, here is the image you asked for.' : '',
  allowedMentions: late ? { users: ['300'] } : { parse: [] },
});

const freshNow = () => CREATED_AT + 60_000;
const staleNow = () => CREATED_AT + 15 * 60_000;

async function deliver(replies: DiscordReplies, now = freshNow, record = job()) {
  const { logger, lines } = collectingLogger();
  const builds: boolean[] = [];
  const result = await deliverOnce(
    record,
    (late) => {
      builds.push(late);
      return build(late);
    },
    { replies, logger, now },
  ).then(
    ({ target }) => ({ target, error: undefined }),
    (error: unknown) => ({ target: undefined, error }),
  );
  return { ...result, builds, lines };
}

function expectDeliveryError(error: unknown): DeliveryError {
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('tokenUsable', () => {
  it('trusts the token until a minute before Discord expires it', () => {
    const lastUsable = CREATED_AT + INTERACTION_TOKEN_LIFETIME_MS - TOKEN_SAFETY_MARGIN_MS - 1;
    expect(tokenUsable(job(), CREATED_AT)).toBe(true);
    expect(tokenUsable(job(), lastUsable)).toBe(true);
    expect(tokenUsable(job(), lastUsable + 1)).toBe(false);
    expect(tokenUsable(job(), CREATED_AT + INTERACTION_TOKEN_LIFETIME_MS)).toBe(false);
  });

  it('honours a custom lifetime, with a margin of a tenth of it when that is under a minute', () => {
    expect(tokenUsable(job(), CREATED_AT + 107_999, 120_000)).toBe(true);
    expect(tokenUsable(job(), CREATED_AT + 108_000, 120_000)).toBe(false);
    expect(tokenUsable(job(), CREATED_AT + 1_799, 2_000)).toBe(true);
    expect(tokenUsable(job(), CREATED_AT + 1_800, 2_000)).toBe(false);
  });
});

describe('deliverOnce', () => {
  it('edits the original reply while the token is valid', async () => {
    const replies = fakeReplies();
    const { target, error, builds } = await deliver(replies);
    expect(error).toBeUndefined();
    expect(target).toBe('original');
    expect(replies.calls).toHaveLength(1);
    expect(replies.calls[0]?.args).toEqual(['400', TOKEN]);
    expect(replies.calls[0]?.message.allowedMentions).toEqual({ parse: [] });
    expect(builds).toEqual([false]);
  });

  it.each([
    ['an invalid webhook token (50027)', errors.invalidWebhookToken],
    ['an unknown webhook (10015)', errors.unknownWebhook],
    ['a deleted reply (10008)', errors.unknownMessage],
  ])('falls back to the channel after %s, with a late message', async (_label, failure) => {
    const replies = fakeReplies({ original: failure });
    const { target, builds, lines } = await deliver(replies);
    expect(target).toBe('channel');
    expect(replies.calls.map((call) => call.target)).toEqual(['original', 'channel']);
    expect(replies.calls[1]?.args).toEqual(['200']);
    expect(replies.calls[1]?.message.allowedMentions).toEqual({ users: ['300'] });
    expect(replies.calls[1]?.message.content).toContain('<@300>');
    expect(builds).toEqual([false, true]);
    expect(lines.some((line) => line.msg === 'delivery attempt failed' && line.target === 'original')).toBe(true);
  });

  it('falls back to a DM when the bot may not post in the channel', async () => {
    const replies = fakeReplies({ original: errors.invalidWebhookToken, channel: errors.missingPermissions });
    const { target, builds } = await deliver(replies);
    expect(target).toBe('dm');
    expect(replies.calls.map((call) => call.target)).toEqual(['original', 'channel', 'dm']);
    expect(replies.calls[2]?.args).toEqual(['300']);
    expect(builds).toEqual([false, true, true]);
  });

  it('fails permanently when no way reaches the member', async () => {
    const replies = fakeReplies({ original: errors.unknownWebhook, channel: errors.missingAccess, dm: errors.cannotDm });
    const { error } = await deliver(replies);
    const failure = expectDeliveryError(error);
    expect(failure.kind).toBe('unreachable');
    expect(replies.calls.map((call) => call.target)).toEqual(['original', 'channel', 'dm']);
  });

  it.each([
    ['a rate limit', errors.rateLimited],
    ['a Discord 5xx', errors.serverError],
    ['an HTTP error without a Discord body', () => new HTTPError(503, 'Service Unavailable', 'POST', 'https://discord.com/api/v10/x', { body: undefined, files: undefined })],
    ['a network error', () => new TypeError('fetch failed')],
  ])('stops with a retryable error on %s, without trying the next target', async (_label, failure) => {
    const replies = fakeReplies({ original: failure });
    const { error } = await deliver(replies);
    const failureError = expectDeliveryError(error);
    expect(failureError.kind).toBe('transient');
    expect(replies.calls.map((call) => call.target)).toEqual(['original']);
  });

  it('reports an upload that is too large', async () => {
    const replies = fakeReplies({ original: errors.tooLarge });
    const { error } = await deliver(replies);
    const failure = expectDeliveryError(error);
    expect(failure.kind).toBe('too_large');
    expect(replies.calls).toHaveLength(1);
  });

  it('treats a rejected body as permanent and does not spread it to other targets', async () => {
    const replies = fakeReplies({ channel: errors.badBody });
    const { error } = await deliver(replies, staleNow);
    const failure = expectDeliveryError(error);
    expect(failure.kind).toBe('rejected');
    expect(replies.calls.map((call) => call.target)).toEqual(['channel']);
  });

  it('starts at the channel once the token has expired', async () => {
    const replies = fakeReplies();
    const { target, builds } = await deliver(replies, staleNow);
    expect(target).toBe('channel');
    expect(replies.calls.map((call) => call.target)).toEqual(['channel']);
    expect(replies.calls[0]?.message.allowedMentions).toEqual({ users: ['300'] });
    expect(builds).toEqual([true]);
  });

  it("a personal job (the member's own install) never posts in the channel: the reply, then a DM", async () => {
    const personal = job({ personal: true });
    const fresh = fakeReplies({ original: errors.unknownWebhook });
    expect((await deliver(fresh, freshNow, personal)).target).toBe('dm');
    expect(fresh.calls.map((call) => call.target)).toEqual(['original', 'dm']);
    const late = fakeReplies();
    const { target, builds } = await deliver(late, staleNow, personal);
    expect(target).toBe('dm');
    expect(late.calls.map((call) => call.target)).toEqual(['dm']);
    expect(builds).toEqual([true]);
  });

  it('honours a shorter token lifetime passed in', async () => {
    const replies = fakeReplies();
    const { logger } = collectingLogger();
    const { target, message } = await deliverOnce(job(), build, { replies, logger, now: freshNow, tokenLifetimeMs: 5_000 });
    expect(target).toBe('channel');
    expect(message).toEqual({ id: 'channel-message', channelId: '200' });
  });

  it('never logs the interaction token', async () => {
    const replies = fakeReplies({
      original: () =>
        new DiscordAPIError(
          { code: 50027, message: 'Invalid Webhook Token' },
          50027,
          401,
          'PATCH',
          `https://discord.com/api/v10/webhooks/400/${TOKEN}/messages/@original`,
          { body: undefined, files: undefined },
        ),
    });
    const { target, lines } = await deliver(replies);
    expect(target).toBe('channel');
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});
