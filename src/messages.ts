/**
 * Every sentence a member or admin reads, in their language. The words live in one catalog per locale
 * (src/i18n/catalogs); what is the same in every language lives here: which sentence a refusal or a
 * failure gets, how lines join, how a wait is rounded.
 */
import type { FailureReason, QuotaView, RefusalReason, SettingProblem } from './errors.js';
import { HISTORY_RETENTION_DAYS } from './history/history.js';
import { CATALOGS } from './i18n/catalogs/index.js';
import type { Catalog } from './i18n/catalogs/en-US.js';
import { Format } from './i18n/format.js';
import { DEFAULT_LOCALE, LOCALES, resolveLocale, type Locale } from './i18n/locales.js';
import { CREDITS_PER_IMAGE, USD_PER_CREDIT } from './kie/credit-monitor.js';
import type { DaySpend } from './spend/spend.js';

export const MAX_EMBED_DESCRIPTION = 4096;
/** Discord's limit for a message's content. */
export const MAX_MESSAGE_CONTENT = 2000;
/** How many members the usage report ranks. */
const TOP_MEMBERS = 10;

/** One of a member's images in progress (see JobService.inProgressFor). */
export interface InProgressView {
  prompt: string;
  state: { state: string; queuePosition?: number; etaMs?: number } | undefined;
}

export type LimitRuleView = { kind: 'member' } | { kind: 'role'; roleId: string } | { kind: 'server' } | { kind: 'default' };

/** A server's usage per day (today first) and its most active members. */
export interface GuildUsageView {
  days: readonly { day: string; total: number }[];
  topToday: readonly { userId: string; used: number }[];
  topWeek: readonly { userId: string; used: number }[];
}

/** A member's /settings defaults, as shown to them. */
export interface DefaultsView {
  aspect?: string;
  quality?: string;
  count?: number;
  style?: string;
  private?: boolean;
}

/** The prompt KIE is given for a blend without words of the member's: instructions to the model, the same in every language. */
const BLEND_PROMPT = 'Blend these pictures into one coherent image, combining their subjects and styles.';

/** A name inside inline code: backticks would end it early. */
function inlineText(text: string): string {
  return text.replace(/`/g, "'");
}

/** A prompt cut short for a list line, with nothing in it that Discord would format or link. */
function shortPrompt(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  const cut = flat.length > 60 ? `${[...flat].slice(0, 57).join('')}…` : flat;
  return cut.replace(/[\\`*_~|>#[\]()<@]/g, (char) => `\\${char}`);
}

function createMessages(locale: Locale) {
  const f = new Format(locale);
  const c: Catalog = CATALOGS[locale](f);
  const stateLabels: Record<string, string> = {
    submitting: c.stateSubmitting,
    waiting: c.stateQueued,
    queuing: c.stateQueued,
    generating: c.stateGenerating,
    downloading: c.stateDownloading,
    delivering: c.stateDelivering,
  };

  /**
   * A wait estimate, rounded so that it does not change with every second (a status is edited only when its
   * text changes): "about 5 s" (steps of 5 s under a minute), "about 2 min".
   */
  const aboutWait = (ms: number): string => {
    const seconds = Math.max(0, ms / 1000);
    if (seconds < 2.5) return c.anyMomentNow;
    if (seconds < 60) return c.aboutSeconds(Math.max(5, Math.round(seconds / 5) * 5));
    return c.aboutMinutes(Math.round(seconds / 60));
  };
  const waitOf = (etaMs: number | undefined) => (etaMs === undefined ? undefined : aboutWait(etaMs));

  const limitRule = (rule: LimitRuleView): string => {
    switch (rule.kind) {
      case 'member':
        return c.ruleMember;
      case 'role':
        return c.ruleRole(rule.roleId);
      case 'server':
        return c.ruleServer;
      case 'default':
        return c.ruleDefault;
    }
  };

  /** A blend's images, linked one by one: "image 1 · image 2". */
  const imageLinks = (urls: readonly string[]): string => urls.map((url, index) => `[${c.parentLink(index + 1)}](${url})`).join(' · ');

  const defaultLines = (defaults: DefaultsView): string =>
    [
      c.defaultAspect(defaults.aspect),
      c.defaultQuality(defaults.quality === undefined ? undefined : defaults.quality === 'high' ? '4K' : '2K'),
      c.defaultCount(defaults.count),
      c.defaultStyle(defaults.style === undefined ? undefined : inlineText(defaults.style)),
      c.defaultPrivate(defaults.private),
    ].join('\n');

  const messages = {
    ...c,
    locale,
    blendPrompt: BLEND_PROMPT,
    unknownStyle: (name: string) => c.unknownStyle(inlineText(name)),
    styledPromptTooLong: (length: number, max: number, style: string) => c.styledPromptTooLong(length, max, inlineText(style)),
    droppedStyle: (name: string) => c.droppedStyle(inlineText(name)),
    settingsShown: (defaults: DefaultsView) =>
      Object.values(defaults).every((value) => value === undefined)
        ? c.settingsNone
        : `${c.settingsShownTitle}\n${defaultLines(defaults)}`,
    settingsSaved: (defaults: DefaultsView) => `${c.settingsSavedTitle}\n${defaultLines(defaults)}`,
    settingsStyleGone: (name: string) => `\n\n${c.settingsStyleGone(inlineText(name))}`,
    /** Links to the images one came from: the one a reroll, edit or upscale was pressed on, or a blend's. */
    parentLinks: (urls: readonly string[], upscale = false) =>
      urls.length === 1
        ? `[${upscale ? c.parentUpscaled : c.parentCameFrom}](${urls[0] ?? ''})`
        : imageLinks(urls),
    historyParents: (urls: readonly string[]) =>
      urls.length === 1
        ? `[${c.parentField}](${urls[0] ?? ''})`
        : `${c.parentField}: ${imageLinks(urls)}`,
    /** No image of a set could be made: its one reason, or each different reason once. */
    setFailed: (reasons: readonly string[]) => (reasons.length === 1 ? (reasons[0] ?? '') : c.setFailedAll(reasons.length, [...new Set(reasons)].join(' '))),
    styleAdded: (name: string, count: number) => c.styleAdded(inlineText(name), count),
    styleReplaced: (name: string) => c.styleReplaced(inlineText(name)),
    styleRemoved: (name: string) => c.styleRemoved(inlineText(name)),
    styleUnknown: (name: string) => c.styleUnknown(inlineText(name)),
    stylesList(styles: readonly { name: string; text: string }[]): string {
      if (styles.length === 0) return c.stylesNone;
      const lines = styles.map((style) => `• **${inlineText(style.name)}**: ${shortPrompt(style.text)}`);
      const text = (count: number) => [c.stylesHead(styles.length), ...lines.slice(0, count), ...(count < lines.length ? [c.stylesNotShown(lines.length - count)] : [])].join('\n');
      let shown = lines.length;
      while (shown > 0 && text(shown).length > MAX_MESSAGE_CONTENT) shown -= 1;
      return text(shown);
    },
    format: f,
    aboutWait,
    formatDuration: (ms: number) => f.duration(ms),

    progress(state: string, elapsedMs: number, queuePosition?: number, etaMs?: number): string {
      if (queuePosition !== undefined && queuePosition > 0) return c.waitingStatus(c.ordinal(queuePosition), waitOf(etaMs), f.duration(elapsedMs));
      return c.workingStatus(stateLabels[state] ?? c.stateWorking, f.duration(elapsedMs));
    },

    /** What an image in progress is doing, in a few words. */
    jobState(state: InProgressView['state']): string {
      if (state === undefined) return c.jobAboutToStart;
      if (state.queuePosition !== undefined && state.queuePosition > 0) return c.jobWaiting(c.ordinal(state.queuePosition), waitOf(state.etaMs));
      return (stateLabels[state.state] ?? c.stateWorking).toLocaleLowerCase(locale);
    },

    quotaExceeded: (quota: QuotaView) =>
      quota.limit === 0
        ? c.quotaZero(quota.resetsAt)
        : quota.used > quota.limit
          ? c.quotaOver(quota.used, quota.limit, quota.resetsAt)
          : c.quotaUsedUp(quota.used, quota.limit, quota.resetsAt),

    cancelled: (byModerator: boolean) => (byModerator ? c.cancelledByModerator : c.cancelledByMember),
    imageExpired: c.imageExpired(HISTORY_RETENTION_DAYS),
    historyEmpty: c.historyEmpty(HISTORY_RETENTION_DAYS),
    personalHistoryEmpty: c.personalHistoryEmpty(HISTORY_RETENTION_DAYS),
    historyFooter: (from: number, to: number, total: number) => c.historyFooter(from, to, total, HISTORY_RETENTION_DAYS),
    creditsBalance: (credits: number, images: number) => c.creditsBalance(credits, images, CREDITS_PER_IMAGE, CREDITS_PER_IMAGE * USD_PER_CREDIT),
    channelRemoved: (channelId: string, all: readonly string[]) => (all.length === 0 ? c.channelRemovedLast(channelId) : c.channelRemoved(channelId, all)),
    channelsList: (all: readonly string[]) => (all.length === 0 ? c.channelsEverywhere : c.channelsList(all)),
    priorityRoleRemoved: (roleId: string, all: readonly string[]) => (all.length === 0 ? c.priorityRoleRemovedLast(roleId) : c.priorityRoleRemoved(roleId, all)),
    priorityRolesList: (all: readonly string[]) => (all.length === 0 ? c.priorityRolesNone : c.priorityRolesList(all)),

    wordsList(words: readonly string[]): string {
      if (words.length === 0) return c.wordsNone;
      // Up to 200 words of 64 characters would not fit in one message: show what fits and say how many are left out.
      const quoted = words.map((word) => `\`${word}\``);
      const text = (count: number) => c.wordsHead(words.length) + quoted.slice(0, count).join(', ') + (count < quoted.length ? c.wordsNotShown(quoted.length - count) : '');
      let shown = quoted.length;
      while (shown > 0 && text(shown).length > MAX_MESSAGE_CONTENT) shown -= 1;
      return text(shown);
    },

    quotaStatus: (quota: QuotaView & { rule?: LimitRuleView }, inProgress: readonly InProgressView[]) =>
      [
        c.quotaToday(quota.used, quota.limit),
        quota.rule === undefined ? undefined : c.quotaYourLimit(quota.limit, limitRule(quota.rule)),
        c.quotaResets(quota.resetsAt),
        inProgress.length > 0 ? c.quotaInProgress(inProgress.length) : undefined,
        ...inProgress.map((job) => `• “${shortPrompt(job.prompt)}”: ${messages.jobState(job.state)}`),
      ]
        .filter(Boolean)
        .join('\n'),

    /** /quota outside the servers that installed the bot. */
    personalQuotaStatus: (quota: QuotaView, inProgress: readonly InProgressView[]) =>
      [
        c.personalQuotaToday(quota.used, quota.limit),
        c.quotaResets(quota.resetsAt),
        inProgress.length > 0 ? c.quotaInProgress(inProgress.length) : undefined,
        ...inProgress.map((job) => `• “${shortPrompt(job.prompt)}”: ${messages.jobState(job.state)}`),
      ]
        .filter(Boolean)
        .join('\n'),

    memberUsage: (userId: string, days: readonly { day: string; used: number }[], today: QuotaView) =>
      [
        c.memberUsageTitle(userId),
        c.usageToday(today.used, today.limit),
        c.usageLastDays(days.length, days.reduce((sum, day) => sum + day.used, 0)),
        days.map((day) => `${f.day(day.day)}: ${f.number(day.used)}`).join(' · '),
      ].join('\n'),

    guildUsage(usage: GuildUsageView, spend: readonly DaySpend[]): string {
      const ranking = (rows: GuildUsageView['topToday']) =>
        rows.length === 0 ? c.nobodyYet : rows.slice(0, TOP_MEMBERS).map((row, index) => `${index + 1}. <@${row.userId}>: ${f.number(row.used)}`).join('\n');
      const days = usage.days.length;
      return [
        c.serverUsageTitle,
        c.serverToday(usage.days[0]?.total ?? 0, days, usage.days.reduce((sum, day) => sum + day.total, 0)),
        usage.days.map((day) => `${f.day(day.day)}: ${f.number(day.total)}`).join(' · '),
        ...(spend.length === 0
          ? []
          : [
              c.spendTitle(spend.length, spend.reduce((sum, day) => sum + day.images, 0), c.credits(spend.reduce((sum, day) => sum + day.credits, 0))),
              spend.map((day) => `${f.day(day.day)}: ${f.number(day.images)} · ${c.credits(day.credits)}`).join('\n'),
            ]),
        `${c.topToday}\n${ranking(usage.topToday)}`,
        `${c.topDays(days)}\n${ranking(usage.topWeek)}`,
      ].join('\n');
    },

    /** Why an admin's change was not made. */
    setting(problem: SettingProblem): string {
      switch (problem.code) {
        case 'word-empty':
          return c.wordEmpty;
        case 'word-too-long':
          return c.wordTooLong(problem.bound);
        case 'too-many-words':
          return c.tooManyWords(problem.bound);
        case 'invalid-limit':
          return c.invalidLimit(problem.bound);
        case 'over-ceiling':
          return c.limitOverCeiling(problem.bound);
        case 'too-many-channels':
          return c.tooManyChannels(problem.bound);
        case 'style-name-invalid':
          return c.styleNameInvalid(problem.bound);
        case 'style-text-invalid':
          return c.styleTextInvalid(problem.bound);
        case 'too-many-styles':
          return c.stylesFull(problem.bound);
        case 'user-and-role':
          return c.limitUserOrRole;
      }
    },

    /** Why a job ended without an image. */
    failure(reason: FailureReason): string {
      switch (reason.code) {
        case 'out_of_credits':
          return c.outOfCredits;
        case 'misconfigured':
          return c.misconfigured;
        case 'service_busy':
          return c.serviceBusy;
        case 'service_unavailable':
          return c.serviceUnavailable;
        case 'prompt_rejected':
          return c.promptRejected(reason.detail);
        case 'generation_failed':
          return c.generationFailed(reason.detail);
        case 'timed_out':
          return c.timedOut(reason.afterMs);
        case 'image_unavailable':
          return c.imageUnavailable;
        case 'submit_uncertain':
          return c.submitUncertain;
        case 'interrupted_before_submit':
          return c.interruptedBeforeSubmit;
        case 'unexpected':
          return c.unexpected;
      }
    },

    /** Why the bot said no. */
    refusal(reason: RefusalReason): string {
      switch (reason.code) {
        case 'guild_only':
          return c.guildOnly;
        case 'restarting':
          return c.restarting;
        case 'paused':
          return c.paused;
        case 'blocked':
          return c.blocked;
        case 'banned_word':
          return c.bannedWord(reason.word);
        case 'quota_exceeded':
          return messages.quotaExceeded(reason.quota);
        case 'personal_quota_exceeded':
          return c.personalQuotaUsedUp(reason.quota.used, reason.quota.limit, reason.quota.resetsAt);
        case 'server_cap_reached':
          return c.serverCapReached(reason.cap, reason.resetsAt);
        case 'empty_prompt':
          return c.emptyPrompt;
        case 'prompt_too_long':
          return c.promptTooLong(reason.length, reason.max);
        case 'invalid_choice':
          return c.invalidChoice(reason.option, reason.allowed);
        case 'admin_only':
          return c.adminOnly;
        case 'invalid_setting':
          return messages.setting(reason.problem);
        case 'image_expired':
          return messages.imageExpired;
        case 'component_unknown':
          return reason.component === 'button' ? c.buttonUnknown : c.formUnknown;
        case 'no_image':
          return c.noImage;
        case 'not_an_image':
          return c.notAnImage(reason.contentType);
        case 'image_too_large':
          return c.imageTooLarge(reason.bytes, reason.max);
        case 'delete_not_allowed':
          return c.deleteNotAllowed;
        case 'guild_not_enabled':
          return c.guildNotEnabled;
        case 'budget_spent':
          return c.budgetSpent(reason.resetsAt);
        case 'not_a_member':
          return c.notAMember;
        case 'bot_not_in_server':
          return c.botNotInServer;
        case 'not_your_image':
          return c.notYourImage;
        case 'operator_only':
          return c.operatorOnly;
        case 'too_many_in_progress':
          return reason.requested === undefined ? c.tooManyInProgress(reason.inProgress, reason.max) : c.tooManyForSet(reason.requested, reason.inProgress, reason.max);
        case 'cancel_not_allowed':
          return c.cancelNotAllowed;
        case 'cancel_too_late':
          return c.cancelTooLate;
        case 'cancel_unknown':
          return c.cancelUnknown;
        case 'wrong_channel':
          return c.wrongChannel(reason.allowed);
        case 'too_few_pictures':
          return c.tooFewPictures(reason.min);
        case 'pictures_expired':
          return c.picturesExpired;
        case 'unknown_style':
          return messages.unknownStyle(reason.name);
        case 'styled_prompt_too_long':
          return messages.styledPromptTooLong(reason.length, reason.max, reason.style);
        case 'not_enough_units':
          return c.notEnoughUnits(reason.requested, reason.available, reason.resetsAt);
        case 'upscale_unavailable':
          return c.upscaleUnavailable;
      }
    },
  };
  return messages;
}

export type Messages = ReturnType<typeof createMessages>;

const BY_LOCALE = Object.fromEntries(LOCALES.map((locale) => [locale, createMessages(locale)])) as Record<Locale, Messages>;

/** The sentences for a Discord locale (an interaction's `locale`, a server's `guild_locale`); en-US when the bot does not speak it. */
export function messagesFor(locale: string | null | undefined): Messages {
  return BY_LOCALE[resolveLocale(locale)];
}

/** The fallback language, for what no member's locale reaches (and for tests that read the English sentences). */
export const messages: Messages = BY_LOCALE[DEFAULT_LOCALE];
export const { formatDuration, aboutWait, ordinal } = messages;
