// Leetspeak stand-ins, undone only inside tokens that also contain a letter, so '2024' stays a number
// while 'c4t' reads as 'cat'. '@' at the start of a token is a mention sign ('@cat'), not an 'a'.
const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };
const LEET_IN_TOKEN = /[013457$]|(?<!^)@/gu;
const LEET_CHAR = /[013457@$]/u;
/** A whole token (letters, digits, @ and $) with at least one stand-in in it. */
const TOKEN_WITH_LEET = /(?<![\p{L}\p{N}@$])[\p{L}\p{N}@$]*[013457@$][\p{L}\p{N}@$]*/gu;
const PRINTABLE_ASCII = /^[\u0020-\u007e\t\n\r]*$/;
const HAS_LETTER = /\p{L}/u;
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF\p{Cf}]/gu;
const MARKS = /\p{M}/gu;
const WORD_CHAR = '[\\p{L}\\p{N}]';
const NOT_WORD_CHARS = '[^\\p{L}\\p{N}]+';

/**
 * Folds text so that look-alike spellings compare equal: NFKC (fullwidth → ASCII), lower case,
 * accents and other combining marks dropped, invisible format characters dropped, leetspeak undone
 * inside words, whitespace collapsed.
 */
export function normalizeForMatching(text: string): string {
  // Printable ASCII has no invisible characters or marks, and Unicode's normal forms leave it as it is.
  const folded = PRINTABLE_ASCII.test(text)
    ? text.toLowerCase()
    : text.replace(INVISIBLE, '').normalize('NFKC').toLowerCase().normalize('NFD').replace(MARKS, '').normalize('NFC');
  // Only a token holding a stand-in can change; the others are not handed to a callback one by one.
  const unleeted = LEET_CHAR.test(folded)
    ? folded.replace(TOKEN_WITH_LEET, (token) => (HAS_LETTER.test(token) ? token.replace(LEET_IN_TOKEN, (char) => LEET[char] ?? char) : token))
    : folded;
  return unleeted.replace(/\s+/gu, ' ').trim();
}

/**
 * The first banned word or phrase found in the prompt, as the admin stored it, or undefined.
 * Both sides are normalised; a match must stand on its own (no letter or digit directly before or
 * after it), and the words of a phrase may be separated by any run of non-word characters.
 */
export function findBannedWord(prompt: string, bannedWords: readonly string[]): string | undefined {
  return compileBannedWords(bannedWords).find(prompt);
}

/** A server's banned-word list, compiled once (per list change) and matched against any number of prompts. */
export interface BannedWordMatcher {
  /** The first listed word or phrase found in the prompt, as the admin stored it, or undefined. */
  find(prompt: string): string | undefined;
}

/**
 * Compiles the list: one pattern per word, and one alternation of them all that rejects a clean prompt in a
 * single pass (the common case); only a prompt it matches is tried word by word, so the word named is the
 * first listed, as before.
 */
export function compileBannedWords(bannedWords: readonly string[]): BannedWordMatcher {
  const compiled = bannedWords.flatMap((word) => {
    const needle = normalizeForMatching(word);
    return needle === '' ? [] : [{ word, body: patternBody(needle) }];
  });
  if (compiled.length === 0) return { find: () => undefined };
  const any = wholeWord(compiled.map(({ body }) => body).join('|'));
  // Built on the first prompt that holds a banned word: a list of 200 compiles 200 patterns, tens of ms that
  // loading a server's policy (in the path of the first /imagine after a change) need not pay.
  let each: Array<{ word: string; pattern: RegExp }> | undefined;
  return {
    find(prompt) {
      const haystack = normalizeForMatching(prompt);
      if (haystack === '' || !any.test(haystack)) return undefined;
      each ??= compiled.map(({ word, body }) => ({ word, pattern: wholeWord(body) }));
      return each.find(({ pattern }) => pattern.test(haystack))?.word;
    },
  };
}

function patternBody(needle: string): string {
  return needle.split(' ').map(escapeRegExp).join(NOT_WORD_CHARS);
}

function wholeWord(body: string): RegExp {
  return new RegExp(`(?<!${WORD_CHAR})(?:${body})(?!${WORD_CHAR})`, 'u');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/gu, '\\$&');
}

/** The form in which an admin's banned word is stored and shown: NFKC, lower case, invisible characters dropped, spaces collapsed. */
export function cleanBannedWord(word: string): string {
  return word.replace(INVISIBLE, '').normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}
