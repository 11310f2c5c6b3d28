import { describe, expect, it } from 'vitest';
import type { RefusalReason } from '../../src/errors.js';
import { CATALOGS } from '../../src/i18n/catalogs/index.js';
import { Format } from '../../src/i18n/format.js';
import { LOCALES, resolveLocale } from '../../src/i18n/locales.js';
import type { FailureReason } from '../../src/errors.js';
import { messagesFor } from '../../src/messages.js';
import { CHANNEL_ID } from '../helpers/ids.js';

const AT = Date.UTC(2026, 11, 8);
const CHANNEL = CHANNEL_ID;

// Records keyed by code: a new refusal or failure without a sample fails to compile.
const refusals: { [C in RefusalReason['code']]: Extract<RefusalReason, { code: C }> } = {
  guild_only: { code: 'guild_only' },
  restarting: { code: 'restarting' },
  paused: { code: 'paused' },
  blocked: { code: 'blocked' },
  banned_word: { code: 'banned_word', word: 'dragon' },
  quota_exceeded: { code: 'quota_exceeded', quota: { used: 3, limit: 3, resetsAt: AT } },
  personal_quota_exceeded: { code: 'personal_quota_exceeded', quota: { used: 2, limit: 2, resetsAt: AT } },
  server_cap_reached: { code: 'server_cap_reached', cap: 20, resetsAt: AT },
  empty_prompt: { code: 'empty_prompt' },
  prompt_too_long: { code: 'prompt_too_long', length: 3100, max: 3000 },
  invalid_choice: { code: 'invalid_choice', option: 'aspect', allowed: ['1:1', '16:9'] },
  admin_only: { code: 'admin_only' },
  invalid_setting: { code: 'invalid_setting', problem: { code: 'too-many-words', bound: 200 } },
  image_expired: { code: 'image_expired' },
  component_unknown: { code: 'component_unknown', component: 'button' },
  no_image: { code: 'no_image' },
  not_an_image: { code: 'not_an_image', contentType: 'text/plain' },
  image_too_large: { code: 'image_too_large', bytes: 12 * 1024 * 1024, max: 10 * 1024 * 1024 },
  delete_not_allowed: { code: 'delete_not_allowed' },
  wrong_channel: { code: 'wrong_channel', allowed: [CHANNEL] },
  guild_not_enabled: { code: 'guild_not_enabled' },
  budget_spent: { code: 'budget_spent', resetsAt: AT },
  not_a_member: { code: 'not_a_member' },
  bot_not_in_server: { code: 'bot_not_in_server' },
  not_your_image: { code: 'not_your_image' },
  operator_only: { code: 'operator_only' },
  too_many_in_progress: { code: 'too_many_in_progress', inProgress: 4, max: 4 },
  cancel_not_allowed: { code: 'cancel_not_allowed' },
  cancel_too_late: { code: 'cancel_too_late' },
  cancel_unknown: { code: 'cancel_unknown' },
  too_few_pictures: { code: 'too_few_pictures', min: 2 },
  pictures_expired: { code: 'pictures_expired' },
  unknown_style: { code: 'unknown_style', name: 'dragon' },
  styled_prompt_too_long: { code: 'styled_prompt_too_long', length: 3100, max: 3000, style: 'dragon' },
  not_enough_units: { code: 'not_enough_units', requested: 4, available: 3, resetsAt: AT },
  upscale_unavailable: { code: 'upscale_unavailable' },
};
const failures: { [C in FailureReason['code']]: Extract<FailureReason, { code: C }> } = {
  out_of_credits: { code: 'out_of_credits' },
  misconfigured: { code: 'misconfigured' },
  service_busy: { code: 'service_busy' },
  service_unavailable: { code: 'service_unavailable' },
  prompt_rejected: { code: 'prompt_rejected', detail: 'aspect 5:4 unsupported' },
  generation_failed: { code: 'generation_failed', detail: 'flagged' },
  timed_out: { code: 'timed_out', afterMs: 600_000 },
  image_unavailable: { code: 'image_unavailable' },
  submit_uncertain: { code: 'submit_uncertain' },
  interrupted_before_submit: { code: 'interrupted_before_submit' },
  unexpected: { code: 'unexpected' },
};

/**
 * What must survive translation: mentions, timestamps, the code spans that name a value (a banned word, a
 * command, a type; an example prompt is translated) and KIE's own words.
 */
const markup = (text: string): string[] =>
  (text.match(/<[@#&t:][^>]*>|`(dragon|aspect|1:1|16:9|\/imagine|text\/plain)`|aspect 5:4 unsupported|flagged/g) ?? []).sort();

const english = messagesFor('en-US');
const others = LOCALES.filter((locale) => locale !== 'en-US');

describe('locale catalogs', () => {
  it('all have the keys of en-US', () => {
    const keys = Object.keys(CATALOGS['en-US'](new Format('en-US'))).sort();
    for (const locale of LOCALES) expect(Object.keys(CATALOGS[locale](new Format(locale))).sort(), locale).toEqual(keys);
  });

  it.each(others)('%s renders every refusal and failure in its own words, keeping the mentions, timestamps and code spans', (locale) => {
    const m = messagesFor(locale);
    for (const reason of Object.values(refusals)) {
      const text = m.refusal(reason);
      expect(text, `${locale} ${reason.code}`).not.toBe(english.refusal(reason));
      expect(markup(text), `${locale} ${reason.code}`).toEqual(markup(english.refusal(reason)));
    }
    for (const reason of Object.values(failures)) {
      const text = m.failure(reason);
      expect(text, `${locale} ${reason.code}`).not.toBe(english.failure(reason));
      expect(markup(text), `${locale} ${reason.code}`).toEqual(markup(english.failure(reason)));
    }
  });

  it.each(LOCALES)("%s fits Discord's limits for modal titles, labels, placeholders and buttons", (locale) => {
    const m = messagesFor(locale);
    expect(m.editModalTitle.length).toBeLessThanOrEqual(45);
    expect(m.editModalLabel.length).toBeLessThanOrEqual(45);
    expect(m.editModalPlaceholder.length).toBeLessThanOrEqual(100);
    const labels = [m.rerollLabel, m.editLabel, m.deleteLabel, m.cancelLabel, m.historyPrevious, m.historyNext, m.upscaleLabel, m.editImageLabel(4), m.upscaleImageLabel(4)];
    for (const label of labels) expect(label.length).toBeLessThanOrEqual(80);
    // A set's image titles and the result's field names are embed titles and field names (256 characters).
    for (const title of [m.setImageTitle(4), m.parentField]) expect(title.length).toBeLessThanOrEqual(256);
  });

  it.each(others)("%s says a set's and an upscale's sentences in its own words, with the numbers and timestamps kept", (locale) => {
    const m = messagesFor(locale);
    const set = (messages: typeof m) => [
      messages.refusal({ code: 'too_many_in_progress', inProgress: 1, max: 4, requested: 4 }),
      messages.refusal({ code: 'not_enough_units', requested: 4, available: 1, resetsAt: AT }),
      messages.setFailed([messages.failure(failures.service_busy), messages.failure(failures.unexpected)]),
      messages.setImageFailed(messages.failure(failures.service_busy)),
      messages.editImageLabel(2),
      messages.upscaleImageLabel(3),
      messages.upscaledQuality('2'),
      messages.upscaledFrom('2'),
      messages.parentLinks(['https://discord.com/channels/1/2/3']),
      messages.parentLinks(['https://discord.com/channels/1/2/3'], true),
      messages.historyParents(['https://discord.com/channels/1/2/3']),
    ];
    const translated = set(m);
    set(english).forEach((text, index) => {
      expect(translated[index], `${locale} #${index}`).not.toBe(text);
      expect(markup(translated[index] ?? ''), `${locale} #${index}`).toEqual(markup(text));
    });
  });

  it('counts a set with the locale plural rules', () => {
    expect(english.refusal({ code: 'not_enough_units', requested: 4, available: 1, resetsAt: AT })).toContain('only 1 image is left');
    expect(english.refusal({ code: 'not_enough_units', requested: 4, available: 3, resetsAt: AT })).toContain('only 3 images are left');
    expect(messagesFor('de').refusal({ code: 'not_enough_units', requested: 4, available: 1, resetsAt: AT })).toContain('nur noch 1 Bild übrig');
    expect(messagesFor('de').refusal({ code: 'not_enough_units', requested: 4, available: 2, resetsAt: AT })).toContain('nur noch 2 Bilder übrig');
    expect(messagesFor('es-ES').refusal({ code: 'not_enough_units', requested: 4, available: 1, resetsAt: AT })).toContain('solo te queda 1');
    expect(messagesFor('pt-BR').refusal({ code: 'not_enough_units', requested: 4, available: 2, resetsAt: AT })).toContain('só restam 2');
    expect(messagesFor('ja').refusal({ code: 'not_enough_units', requested: 4, available: 2, resetsAt: AT })).toContain('2枚');
    expect([messagesFor('de').setImageTitle(2), messagesFor('ja').setImageTitle(2)]).toEqual(['Bild 2', '画像2']);
    // One failure is said as it is; several different ones each once, after how many images failed.
    expect(english.setFailed(['A.'])).toBe('A.');
    expect(messagesFor('fr').setFailed(['A.', 'A.', 'B.'])).toBe('Aucune des 3 images n’a pu être créée : A. B.');
  });

  it('writes plurals, numbers, durations and days through Intl', () => {
    expect(messagesFor('de').limitSet(1)).toContain('1 Bild pro Mitglied');
    expect(messagesFor('de').limitSet(2)).toContain('2 Bilder pro Mitglied');
    // French counts 0 and 1 as singular.
    expect(messagesFor('fr').limitSet(0)).toContain('0 image par membre');
    expect(messagesFor('fr').limitSet(2)).toContain('2 images par membre');
    expect(messagesFor('de').wordAdded('x', 1234)).toContain('1.234 insgesamt');
    expect(messagesFor('ja').limitSet(5)).toContain('5枚');
    expect(english.formatDuration(61_000)).toBe('1m 1s');
    expect(messagesFor('de').formatDuration(61_000)).toBe('1 Min., 1 Sek.');
    expect(messagesFor('de').format.day('2026-12-07')).toBe('7. Dez.');
    expect(english.ordinal(22)).toBe('22nd');
    expect(messagesFor('fr').ordinal(1)).toBe('1er');
    expect(messagesFor('fr').ordinal(2)).toBe('2e');
  });

  it('resolves a Discord locale to the nearest language the bot speaks, else en-US', () => {
    expect(resolveLocale('de')).toBe('de');
    expect(resolveLocale('en-GB')).toBe('en-US');
    expect(resolveLocale('es-419')).toBe('es-ES');
    expect(resolveLocale('pt-BR')).toBe('pt-BR');
    expect(resolveLocale('zh-CN')).toBe('en-US');
    expect(resolveLocale(undefined)).toBe('en-US');
    expect(resolveLocale(null)).toBe('en-US');
  });
});
