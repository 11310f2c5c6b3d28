/** Every sentence a member or admin reads, in one place. */
import type { RefusalReason, SettingProblem } from './errors.js';
import { HISTORY_RETENTION_DAYS } from './history/history.js';
import type { FailureReason } from './jobs/failure.js';
import { CREDITS_PER_IMAGE, USD_PER_CREDIT } from './kie/credit-monitor.js';
import type { DaySpend } from './spend/spend.js';

export const MAX_EMBED_DESCRIPTION = 4096;
/** Discord's limit for a message's content. */
export const MAX_MESSAGE_CONTENT = 2000;

const relative = (ms: number): string => `<t:${Math.floor(ms / 1000)}:R>`;
const shortTime = (ms: number): string => `<t:${Math.floor(ms / 1000)}:t>`;
const megabytes = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
const roleList = (ids: readonly string[]): string => ids.map((id) => `<@&${id}>`).join(', ');
const channelList = (ids: readonly string[]): string => ids.map((id) => `<#${id}>`).join(', ');
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes}m` : `${minutes}m ${rest}s`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st… */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * A wait estimate, rounded so that it does not change with every second (a status is edited only when its
 * text changes): "about 5 s" (steps of 5 s under a minute), "about 2 min".
 */
export function aboutWait(ms: number): string {
  const seconds = Math.max(0, ms / 1000);
  if (seconds < 2.5) return 'any moment now';
  if (seconds < 60) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

/** One of a member's images in progress (see JobService.inProgressFor). */
export interface InProgressView {
  prompt: string;
  state: { state: string; queuePosition?: number; etaMs?: number } | undefined;
}

/** A prompt cut short for a list line, with nothing in it that Discord would format or link. */
function shortPrompt(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  const cut = flat.length > 60 ? `${[...flat].slice(0, 57).join('')}…` : flat;
  return cut.replace(/[\\`*_~|>#[\]()<@]/g, (char) => `\\${char}`);
}

/** A name inside inline code: backticks would end it early. */
function inlineText(text: string): string {
  return text.replace(/`/g, "'");
}

/** A member's /settings defaults, as shown to them. */
export interface DefaultsView {
  aspect?: string;
  quality?: string;
  count?: number;
  style?: string;
}

function defaultLines(defaults: DefaultsView): string {
  return [
    `• Aspect: ${defaults.aspect ?? '1:1 (the bot\'s default)'}`,
    `• Quality: ${defaults.quality === undefined ? "2K (the bot's default)" : defaults.quality === 'high' ? '4K' : '2K'}`,
    `• Images per request: ${defaults.count ?? "1 (the bot's default)"}`,
    `• Style: ${defaults.style === undefined ? 'none' : `\`${inlineText(defaults.style)}\``}`,
  ].join('\n');
}

export type LimitRuleView = { kind: 'member' } | { kind: 'role'; roleId: string } | { kind: 'server' } | { kind: 'default' };

function limitRule(rule: LimitRuleView): string {
  switch (rule.kind) {
    case 'member':
      return 'set for you by an admin';
    case 'role':
      return `from your role <@&${rule.roleId}>`;
    case 'server':
      return "this server's limit";
    case 'default':
      return "the bot's default limit";
  }
}

/** A server's usage per day (today first) and its most active members. */
export interface GuildUsageView {
  days: readonly { day: string; total: number }[];
  topToday: readonly { userId: string; used: number }[];
  topWeek: readonly { userId: string; used: number }[];
}

/** How many members the usage report ranks. */
const TOP_MEMBERS = 10;

export interface QuotaView {
  used: number;
  limit: number;
  resetsAt: number;
}

const STATE_LABELS: Record<string, string> = {
  submitting: 'Sending your prompt',
  waiting: 'Queued at the image service',
  queuing: 'Queued at the image service',
  generating: 'Generating',
  downloading: 'Fetching the image',
  delivering: 'Uploading the image',
};

export const messages = {
  progress(state: string, elapsedMs: number, queuePosition?: number, etaMs?: number): string {
    if (queuePosition !== undefined && queuePosition > 0) {
      const wait = etaMs === undefined ? '' : `, ${aboutWait(etaMs)}`;
      return `⏳ Waiting for a free slot: ${ordinal(queuePosition)} in line${wait} · ${formatDuration(elapsedMs)}`;
    }
    const label = STATE_LABELS[state] ?? 'Working on it';
    return `🎨 ${label}… · ${formatDuration(elapsedMs)}`;
  },

  // Input validation
  emptyPrompt: 'Your prompt is empty. Describe the picture you want, for example: `a lighthouse at dusk, oil painting`.',
  promptTooLong: (length: number, max: number) =>
    `Your prompt is ${length} characters long; the limit is ${max}. Please shorten it.`,
  invalidChoice: (option: string, allowed: readonly string[]) =>
    `\`${option}\` must be one of: ${allowed.map((value) => `\`${value}\``).join(', ')}.`,
  guildOnly: 'This command works in servers only, not in direct messages.',

  // Guards
  paused: 'Image generation is paused in this server by its admins. Try again later.',
  blocked: 'You are not allowed to generate images in this server. Ask a server admin if you think this is a mistake.',
  bannedWord: (word: string) =>
    `Your prompt contains a word this server does not allow: \`${word}\`. Please rephrase it.`,
  quotaExceeded: (quota: QuotaView) =>
    quota.limit === 0
      ? `Image generation is not available to you in this server (your daily limit is 0). Resets ${relative(quota.resetsAt)}.`
      : quota.used > quota.limit
        ? `You have used ${plural(quota.used, 'image')} today, more than your daily limit of ${quota.limit} (an admin lowered it). Your quota resets ${relative(quota.resetsAt)} (${shortTime(quota.resetsAt)}).`
        : `You have used your ${plural(quota.limit, 'image')} for today (${quota.used}/${quota.limit}). Your quota resets ${relative(quota.resetsAt)} (${shortTime(quota.resetsAt)}).`,
  serverCapReached: (cap: number, resetsAt: number) =>
    `This server has used its ${plural(cap, 'image')} for today (a limit for all members together, set by its admins). It resets ${relative(resetsAt)} (${shortTime(resetsAt)}).`,
  guildNotEnabled: 'The image bot is not enabled in this server. Its operator runs it for other servers only.',
  budgetSpent: (resetsAt: number) =>
    `The bot has made all the images its operator pays for today, across all servers. It resets ${relative(resetsAt)} (${shortTime(resetsAt)}).`,
  notAMember: "You are no longer a member of the server this image was made in, so its buttons don't work for you any more.",
  botNotInServer: "The bot is no longer in the server this image was made in, so its buttons don't work any more.",
  notYourImage: 'Only the member who made this image can use its buttons here.',
  operatorOnly: "KIE's credit balance is shown only in the bot operator's own servers.",
  limitOverCeiling: (ceiling: number) =>
    `The bot's operator allows at most ${plural(ceiling, 'image')} per member per day, so a limit can be at most ${ceiling}.`,
  tooManyInProgress: (inProgress: number, max: number) =>
    `You have ${plural(inProgress, 'image')} in progress in this server, the most you can have at once (${max}). Wait for one to finish, or cancel one that is still waiting, then try again. Nothing was counted.`,
  storeUnavailable: 'The bot cannot reach its database right now, so nothing was done and nothing was counted. Please try again in a minute.',
  commandFailed: 'Something went wrong on our side, sorry. Please try again.',
  restarting: 'The bot is restarting. Please run the command again in a moment.',

  refusal(reason: RefusalReason): string {
    switch (reason.code) {
      case 'guild_only':
        return messages.guildOnly;
      case 'restarting':
        return messages.restarting;
      case 'paused':
        return messages.paused;
      case 'blocked':
        return messages.blocked;
      case 'banned_word':
        return messages.bannedWord(reason.word);
      case 'quota_exceeded':
        return messages.quotaExceeded(reason.quota);
      case 'server_cap_reached':
        return messages.serverCapReached(reason.cap, reason.resetsAt);
      case 'empty_prompt':
        return messages.emptyPrompt;
      case 'prompt_too_long':
        return messages.promptTooLong(reason.length, reason.max);
      case 'invalid_choice':
        return messages.invalidChoice(reason.option, reason.allowed);
      case 'admin_only':
        return messages.adminOnly;
      case 'invalid_setting':
        return messages.setting(reason.problem);
      case 'image_expired':
        return messages.imageExpired;
      case 'component_unknown':
        return reason.component === 'button' ? messages.buttonUnknown : messages.formUnknown;
      case 'no_image':
        return messages.noImage;
      case 'not_an_image':
        return messages.notAnImage(reason.contentType);
      case 'image_too_large':
        return messages.imageTooLarge(reason.bytes, reason.max);
      case 'delete_not_allowed':
        return messages.deleteNotAllowed;
      case 'guild_not_enabled':
        return messages.guildNotEnabled;
      case 'budget_spent':
        return messages.budgetSpent(reason.resetsAt);
      case 'not_a_member':
        return messages.notAMember;
      case 'bot_not_in_server':
        return messages.botNotInServer;
      case 'not_your_image':
        return messages.notYourImage;
      case 'operator_only':
        return messages.operatorOnly;
      case 'too_many_in_progress':
        return messages.tooManyInProgress(reason.inProgress, reason.max);
      case 'cancel_not_allowed':
        return messages.cancelNotAllowed;
      case 'cancel_too_late':
        return messages.cancelTooLate;
      case 'cancel_unknown':
        return messages.cancelUnknown;
      case 'wrong_channel':
        return messages.wrongChannel(reason.allowed);
      case 'too_few_pictures':
        return messages.tooFewPictures(reason.min);
      case 'pictures_expired':
        return messages.picturesExpired;
      case 'unknown_style':
        return messages.unknownStyle(reason.name);
      case 'styled_prompt_too_long':
        return messages.styledPromptTooLong(reason.length, reason.max, reason.style);
    }
  },

  // Styles and /settings, as members meet them
  unknownStyle: (name: string) => `This server has no style called \`${inlineText(name)}\`. Pick one from the list as you type, or leave \`style\` empty.`,
  styledPromptTooLong: (length: number, max: number, style: string) =>
    `Your prompt with the style \`${inlineText(style)}\` added is ${length} characters long; the limit is ${max}. Shorten your prompt, or pick another style.`,
  styleField: 'Style',
  droppedStyle: (name: string) => `none: your default style \`${inlineText(name)}\` was removed by an admin, so it was left out. Pick another with \`/settings\`.`,
  settingsShown: (defaults: DefaultsView) =>
    defaults.aspect === undefined && defaults.quality === undefined && defaults.count === undefined && defaults.style === undefined
      ? "You have no defaults in this server: `/imagine` uses 1:1, 2K and one image. Set yours with `/settings aspect: quality: count: style:`."
      : `**Your defaults in this server** (options you give \`/imagine\` still win):\n${defaultLines(defaults)}`,
  settingsSaved: (defaults: DefaultsView) => `Saved. **Your defaults in this server** now:\n${defaultLines(defaults)}`,
  settingsReset: 'Your defaults in this server are cleared: `/imagine` uses 1:1, 2K and one image again.',
  settingsStyleGone: (name: string) => `\n\n⚠️ The style \`${inlineText(name)}\` no longer exists in this server, so it is left out until you pick another.`,

  // /blend
  blendPrompt: 'Blend these pictures into one coherent image, combining their subjects and styles.',
  blendField: 'Blend',
  parentsField: 'Made from',
  parentLinks: (urls: readonly string[]) => urls.map((url, index) => `[image ${index + 1}](${url})`).join(' · '),
  tooFewPictures: (min: number) => `A blend takes at least ${min} pictures.`,
  picturesExpired:
    'The pictures of this blend are no longer available from Discord (their links last about a day), so it cannot be made again. Run `/blend` with them again. Nothing was counted.',
  blendedFrom: (count: number) => `Blended from ${plural(count, 'picture')}`,
  /** Why an admin's change was not made. */
  setting(problem: SettingProblem): string {
    switch (problem.code) {
      case 'word-empty':
        return 'The banned word is empty.';
      case 'word-too-long':
        return `A banned word can be at most ${problem.bound} characters long.`;
      case 'too-many-words':
        return `This server already has the maximum of ${problem.bound} banned words.`;
      case 'invalid-limit':
        return `A daily limit must be a whole number from 0 to ${problem.bound}.`;
      case 'over-ceiling':
        return messages.limitOverCeiling(problem.bound);
      case 'too-many-channels':
        return `At most ${problem.bound} channels can be allowed.`;
      case 'style-name-invalid':
        return messages.styleNameInvalid(problem.bound);
      case 'style-text-invalid':
        return messages.styleTextInvalid(problem.bound);
      case 'too-many-styles':
        return messages.stylesFull(problem.bound);
      case 'user-and-role':
        return messages.limitUserOrRole;
    }
  },

  /** Why a job ended without an image. */
  failure(reason: FailureReason): string {
    switch (reason.code) {
      case 'out_of_credits':
        return messages.outOfCredits;
      case 'misconfigured':
        return messages.misconfigured;
      case 'service_busy':
        return messages.serviceBusy;
      case 'service_unavailable':
        return messages.serviceUnavailable;
      case 'prompt_rejected':
        return messages.promptRejected(reason.detail);
      case 'generation_failed':
        return messages.generationFailed(reason.detail);
      case 'timed_out':
        return messages.timedOut(reason.afterMs);
      case 'image_unavailable':
        return messages.imageUnavailable;
      case 'submit_uncertain':
        return messages.submitUncertain;
      case 'interrupted_before_submit':
        return messages.interruptedBeforeSubmit;
      case 'unexpected':
        return messages.unexpected;
    }
  },

  // Job failures
  outOfCredits: "The bot's image credits have run out. Please tell a server admin. Your quota was not used.",
  misconfigured: 'The bot is misconfigured and cannot reach its image service. Please tell a server admin. Your quota was not used.',
  serviceBusy: 'The image service is busy right now. Please try again in a minute. Your quota was not used.',
  serviceUnavailable: 'The image service is unavailable right now. Please try again later. Your quota was not used.',
  promptRejected: (detail?: string) =>
    `The image service rejected this request${detail ? `: ${detail}` : ''}. Try a different prompt. Your quota was not used.`,
  generationFailed: (detail?: string) =>
    `The image could not be generated${detail ? `: ${detail}` : ''}. Your quota was not used.`,
  timedOut: (ms: number) =>
    `The image took too long (over ${formatDuration(ms)}), so the bot stopped waiting. Please try again. Your quota was not used.`,
  imageUnavailable: 'The image was generated but could not be downloaded. Please try again. Your quota was not used.',
  submitUncertain:
    'The image service did not confirm your request, so the bot cannot follow it. Your quota was not used; please try again.',
  interruptedBeforeSubmit:
    'The bot restarted while sending your prompt, so it cannot tell whether the image was started. Your quota was given back; please try again.',
  unexpected: 'Something went wrong on our side. Your quota was not used. Please try again.',

  // Delivery
  resultTitle: 'Your image',
  resized: (bytesLimit: number) => `Re-encoded to fit this server's ${Math.floor(bytesLimit / (1024 * 1024))} MB upload limit.`,
  originalLink: (url: string) => `[Full-size original](${url}) (link expires within 24 h)`,
  lateDelivery: (userId: string) => `<@${userId}>, here is the image you asked for.`,
  lateFailure: (userId: string, reason: string) => `<@${userId}>, ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,

  // The image loop: buttons, edits, /history
  buttonUnknown: 'This button no longer works (it belongs to an older version of the bot). Run `/imagine` again.',
  formUnknown: 'This form no longer works (it belongs to an older version of the bot). Run `/imagine` again.',
  imageExpired: `This image is too old for its buttons (the bot keeps images for ${HISTORY_RETENTION_DAYS} days), or it was deleted. Run \`/imagine\` again.`,
  noImage: 'That message has no picture to edit. Pick a message with a PNG, JPEG or WebP image.',
  notAnImage: (contentType: string | null) =>
    `That file is not a picture the image service can edit${contentType ? ` (\`${contentType}\`)` : ''}. Use a PNG, JPEG or WebP image.`,
  imageTooLarge: (bytes: number, max: number) =>
    `That picture is ${megabytes(bytes)} MB; the image service takes at most ${megabytes(max)} MB. Use a smaller one.`,
  wrongChannel: (allowed: readonly string[]) =>
    `Images can be made only in ${allowed.map((id) => `<#${id}>`).join(', ')} in this server. Please use /imagine there.`,
  deleteNotAllowed: 'Only the member who asked for this image, or a member with **Manage Messages**, can delete it.',

  // Cancel, while a job waits for the image service
  cancelLabel: 'Cancel',
  cancelled: (byModerator: boolean) =>
    byModerator
      ? '✖️ Cancelled by a moderator before it started. The quota unit was given back.'
      : '✖️ Cancelled before it started. Your quota unit was given back.',
  cancelNotAllowed: 'Only the member who asked for this image, or a member with **Manage Messages**, can cancel it.',
  cancelTooLate: 'Too late to cancel: the image service has already started this image, and a started image cannot be stopped.',
  cancelUnknown: 'This image is not waiting any more, so there is nothing to cancel.',
  editModalTitle: 'Edit the image',
  editModalLabel: 'What should change?',
  editModalPlaceholder: 'e.g. make it night time, add snow on the roofs',
  historyTitle: 'Your images in this server',
  historyEmpty: `You have no images in this server yet (the bot keeps them for ${HISTORY_RETENTION_DAYS} days). Make one with \`/imagine\`.`,
  historyFooter: (from: number, to: number, total: number) => `${from}–${to} of ${total} · kept for ${HISTORY_RETENTION_DAYS} days`,
  historyPrevious: 'Newer',
  historyNext: 'Older',
  editedFrom: 'Edited from a picture',

  // Moderation log
  logGenerationTitle: '🖼️ Image generated',
  logBannedWordTitle: (word: string) => `🚫 Refused: banned word \`${word}\``,
  logBlockedTitle: '🚫 Refused: blocked member',
  logAdminTitle: (action: string) => `🛠️ /imagine-admin ${action}`,
  logWarningTitle: '⚠️ Warning',
  logDeletedTitle: '🗑️ Image deleted',
  logChannelUnreachable: (channelId: string) =>
    `⚠️ The bot could not post to the log channel <#${channelId}>: give it **View Channel**, **Send Messages** and **Embed Links** there, or pick another with \`/imagine-admin log\`.`,

  // /quota
  quotaStatus: (quota: QuotaView & { rule?: LimitRuleView }, inProgress: readonly InProgressView[]) =>
    [
      `**Today:** ${quota.used}/${quota.limit} images used, ${Math.max(0, quota.limit - quota.used)} left.`,
      quota.rule === undefined ? undefined : `**Your limit:** ${plural(quota.limit, 'image')} a day, ${limitRule(quota.rule)}.`,
      `**Resets:** ${relative(quota.resetsAt)} (${shortTime(quota.resetsAt)}).`,
      inProgress.length > 0 ? `**In progress:** ${plural(inProgress.length, 'image')}.` : undefined,
      ...inProgress.map((job) => `• “${shortPrompt(job.prompt)}”: ${messages.jobState(job.state)}`),
    ]
      .filter(Boolean)
      .join('\n'),

  /** What an image in progress is doing, in a few words. */
  jobState(state: InProgressView['state']): string {
    if (state === undefined) return 'about to start';
    if (state.queuePosition !== undefined && state.queuePosition > 0) {
      return `waiting for a free slot, ${ordinal(state.queuePosition)} in line${state.etaMs === undefined ? '' : `, ${aboutWait(state.etaMs)}`}`;
    }
    return (STATE_LABELS[state.state] ?? 'Working on it').toLowerCase();
  },

  // /imagine-admin
  adminOnly: 'You need the **Manage Server** permission to use this command.',
  limitSet: (limit: number) => `The daily limit for this server is now ${plural(limit, 'image')} per member.`,
  userLimitSet: (userId: string, limit: number) => `<@${userId}> can now generate ${plural(limit, 'image')} a day.`,
  roleLimitSet: (roleId: string, limit: number) =>
    `Members with <@&${roleId}> can now generate ${plural(limit, 'image')} a day (a member's own limit still comes first; with several roles the highest applies).`,
  limitUserOrRole: 'Give either a member or a role, not both.',
  capSet: (images: number) => `This server can now generate at most ${plural(images, 'image')} a day, all members together.`,
  capRemoved: "This server's daily cap is removed; only each member's own limit applies.",
  logChannelSet: (channelId: string) => `Images, refusals and admin actions are now posted to <#${channelId}>.`,
  logOff: (channelId: string) => `Nothing is posted to <#${channelId}> any more.`,
  logAlreadyOff: 'There is no log channel.',
  channelAllowed: (channelId: string, all: readonly string[]) => `/imagine now works in <#${channelId}>. Allowed channels: ${channelList(all)}.`,
  channelAlreadyAllowed: (channelId: string) => `<#${channelId}> was already allowed.`,
  channelRemoved: (channelId: string, all: readonly string[]) =>
    all.length === 0 ? `<#${channelId}> is off the list; /imagine works in every channel again.` : `<#${channelId}> is off the list. Allowed channels: ${channelList(all)}.`,
  channelNotAllowed: (channelId: string) => `<#${channelId}> was not on the list.`,
  channelsList: (all: readonly string[]) => (all.length === 0 ? '/imagine works in every channel (no list).' : `/imagine works only in: ${channelList(all)}.`),
  priorityRoleAdded: (roleId: string, all: readonly string[]) =>
    `Members with <@&${roleId}> now come first when images wait for the image service (fair among themselves). Priority roles: ${roleList(all)}.`,
  priorityRoleAlready: (roleId: string) => `<@&${roleId}> already had priority.`,
  priorityRolesFull: (max: number) => `At most ${max} roles can have priority.`,
  priorityRoleRemoved: (roleId: string, all: readonly string[]) =>
    all.length === 0 ? `<@&${roleId}> no longer has priority; no role has.` : `<@&${roleId}> no longer has priority. Priority roles: ${roleList(all)}.`,
  priorityRoleNotListed: (roleId: string) => `<@&${roleId}> did not have priority.`,
  priorityRolesList: (all: readonly string[]) =>
    all.length === 0 ? 'No role has priority: waiting images go in the fair order for everyone.' : `Members with these roles come first: ${roleList(all)}.`,
  creditsBalance: (credits: number, images: number) =>
    `KIE credits left: **${credits}**, about **${plural(images, 'image')}** at ${CREDITS_PER_IMAGE} credits each (about $${CREDITS_PER_IMAGE * USD_PER_CREDIT} an image).`,
  creditsUnavailable: 'The bot could not read the KIE credit balance right now. Please try again in a minute.',
  lowCredits: (credits: number, images: number, threshold: number) =>
    `KIE credits are running low: **${credits}** left (about ${plural(images, 'image')}), under the warning level of ${threshold}. Top up at https://kie.ai/billing before generation stops.`,
  usageReset: (userId: string) => `Today's usage of <@${userId}> is back to 0.`,
  userBlocked: (userId: string) => `<@${userId}> can no longer generate images in this server.`,
  userUnblocked: (userId: string) => `<@${userId}> can generate images again.`,
  alreadyBlocked: (userId: string) => `<@${userId}> was already blocked.`,
  notBlocked: (userId: string) => `<@${userId}> was not blocked.`,
  wordAdded: (word: string, count: number) => `Added \`${word}\` to the banned words (${count} in all).`,
  wordAlreadyBanned: (word: string) => `\`${word}\` was already banned.`,
  wordRemoved: (word: string, count: number) => `Removed \`${word}\` from the banned words (${count} left).`,
  wordNotBanned: (word: string) => `\`${word}\` is not in the banned words.`,
  wordsList: (words: readonly string[]) => {
    if (words.length === 0) return 'No banned words in this server.';
    // Up to 200 words of 64 characters would not fit in one message: show what fits and say how many are left out.
    const head = `Banned words (${words.length}): `;
    const quoted = words.map((w) => `\`${w}\``);
    let shown = quoted.length;
    const text = (count: number) =>
      head + quoted.slice(0, count).join(', ') + (count < quoted.length ? `, … and ${quoted.length - count} more not shown.` : '');
    while (shown > 0 && text(shown).length > MAX_MESSAGE_CONTENT) shown -= 1;
    return text(shown);
  },
  styleNameInvalid: (max: number) => `A style's name must be 1 to ${max} characters long.`,
  styleTextInvalid: (max: number) => `A style's text must be 1 to ${max} characters long.`,
  stylesFull: (max: number) => `This server already has the maximum of ${max} styles. Remove one first.`,
  styleAdded: (name: string, count: number) =>
    `Added the style \`${inlineText(name)}\` (${count} in all). Members can now pick it with \`/imagine style:\` and \`/blend style:\`.`,
  styleReplaced: (name: string) => `The style \`${inlineText(name)}\` has a new text.`,
  styleRemoved: (name: string) => `Removed the style \`${inlineText(name)}\`. Members who had it as their default get their images without it, and are told.`,
  styleUnknown: (name: string) => `There is no style called \`${inlineText(name)}\`.`,
  stylesList: (styles: readonly { name: string; text: string }[]) => {
    if (styles.length === 0) return 'This server has no styles. Add one with `/imagine-admin styles add`.';
    const head = `Styles (${styles.length}):`;
    const lines = styles.map((style) => `• **${inlineText(style.name)}**: ${shortPrompt(style.text)}`);
    let shown = lines.length;
    const text = (count: number) => [head, ...lines.slice(0, count), ...(count < lines.length ? [`… and ${lines.length - count} more not shown.`] : [])].join('\n');
    while (shown > 0 && text(shown).length > MAX_MESSAGE_CONTENT) shown -= 1;
    return text(shown);
  },
  // /imagine-admin usage
  memberUsage: (userId: string, days: readonly { day: string; used: number }[], today: QuotaView) =>
    [
      `**Usage of <@${userId}>**`,
      `Today: ${today.used}/${today.limit}`,
      `Last ${days.length} days: ${plural(days.reduce((sum, day) => sum + day.used, 0), 'image')}`,
      days.map((day) => `${day.day}: ${day.used}`).join(' · '),
    ].join('\n'),
  guildUsage: (usage: GuildUsageView, spend: readonly DaySpend[]) => {
    const ranking = (rows: GuildUsageView['topToday']) =>
      rows.length === 0 ? 'nobody yet' : rows.slice(0, TOP_MEMBERS).map((row, index) => `${index + 1}. <@${row.userId}>: ${row.used}`).join('\n');
    const credits = (n: number): string => `${Number.isInteger(n) ? n : n.toFixed(1)} credits`;
    return [
      `**Server usage**`,
      `Today: ${plural(usage.days[0]?.total ?? 0, 'image')} · last ${usage.days.length} days: ${plural(usage.days.reduce((sum, day) => sum + day.total, 0), 'image')}`,
      usage.days.map((day) => `${day.day}: ${day.total}`).join(' · '),
      ...(spend.length === 0
        ? []
        : [
            `**Spend** (delivered images · KIE credits): last ${spend.length} days ${plural(spend.reduce((sum, day) => sum + day.images, 0), 'image')} · ${credits(spend.reduce((sum, day) => sum + day.credits, 0))}`,
            spend.map((day) => `${day.day}: ${day.images} · ${credits(day.credits)}`).join('\n'),
          ]),
      `**Top members today**\n${ranking(usage.topToday)}`,
      `**Top members, last ${usage.days.length} days**\n${ranking(usage.topWeek)}`,
    ].join('\n');
  },

  pausedNow: 'Image generation is now paused in this server. Running jobs will finish.',
  alreadyPaused: 'Image generation was already paused.',
  resumed: 'Image generation is running again in this server.',
  notPaused: 'Image generation was not paused.',
} as const;
