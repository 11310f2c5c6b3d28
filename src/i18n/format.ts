import type { Locale } from './locales.js';

/** Plural forms of a phrase; `#` stands for the number, written the locale's way. `other` is every language's fallback. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** Numbers, plurals, lists, days and durations written the way one locale writes them (all through Intl). */
export class Format {
  readonly #plurals: Intl.PluralRules;
  readonly #ordinals: Intl.PluralRules;
  readonly #numbers: Intl.NumberFormat;
  readonly #lists: Intl.ListFormat;
  readonly #alternatives: Intl.ListFormat;
  readonly #units: Intl.ListFormat;
  readonly #seconds: Intl.NumberFormat;
  readonly #minutes: Intl.NumberFormat;
  readonly #days: Intl.DateTimeFormat;
  readonly #dollars: Intl.NumberFormat;

  constructor(readonly locale: Locale) {
    this.#plurals = new Intl.PluralRules(locale);
    this.#ordinals = new Intl.PluralRules(locale, { type: 'ordinal' });
    this.#numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    this.#lists = new Intl.ListFormat(locale, { type: 'conjunction' });
    this.#alternatives = new Intl.ListFormat(locale, { type: 'disjunction' });
    this.#units = new Intl.ListFormat(locale, { type: 'unit', style: 'narrow' });
    this.#seconds = new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'narrow' });
    this.#minutes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'narrow' });
    this.#days = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    this.#dollars = new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', maximumFractionDigits: 4 });
  }

  number(n: number): string {
    return this.#numbers.format(n);
  }

  plural(n: number, forms: PluralForms): string {
    return (forms[this.#plurals.select(n)] ?? forms.other).replaceAll('#', this.number(n));
  }

  /** An ordinal through the locale's ordinal rules (English: 1st "one", 2nd "two", 3rd "few", 4th "other"). */
  ordinal(n: number, forms: PluralForms): string {
    return (forms[this.#ordinals.select(n)] ?? forms.other).replaceAll('#', this.number(n));
  }

  /** "a, b and c"; with `or`, "a, b or c". */
  list(items: readonly string[], kind: 'and' | 'or' = 'and'): string {
    return (kind === 'and' ? this.#lists : this.#alternatives).format(items);
  }

  /** A UTC day ("2026-12-07") as the locale writes a short date ("Dec 7", "7. Dez."). */
  day(isoDay: string): string {
    const moment = Date.parse(`${isoDay}T00:00:00Z`);
    return Number.isNaN(moment) ? isoDay : this.#days.format(moment);
  }

  dollars(amount: number): string {
    return this.#dollars.format(amount);
  }

  megabytes(bytes: number): string {
    return this.number(Math.round((bytes / (1024 * 1024)) * 10) / 10);
  }

  /** A whole number of seconds as "42s", "2m", "2m 5s" (the locale's narrow units). */
  duration(ms: number): string {
    const seconds = Math.max(0, Math.round(ms / 1000));
    if (seconds < 60) return this.#seconds.format(seconds);
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    return rest === 0 ? this.#minutes.format(minutes) : this.#units.format([this.#minutes.format(minutes), this.#seconds.format(rest)]);
  }
}
