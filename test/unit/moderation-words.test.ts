import { describe, expect, it } from 'vitest';
import { cleanBannedWord, findBannedWord, normalizeForMatching } from '../../src/moderation/words.js';

describe('findBannedWord', () => {
  const cases: [description: string, prompt: string, banned: string[], expected: string | undefined][] = [
    ['plain word', 'a cat on a mat', ['cat'], 'cat'],
    ['inside a longer word', 'concatenate these strings', ['cat'], undefined],
    ['scunthorpe problem', 'Scunthorpe United won', ['cunt'], undefined],
    ['plural is a different word', 'two cats', ['cat'], undefined],
    ['glued to another word', 'dogcat', ['cat'], undefined],
    ['upper case and punctuation', 'CAT!', ['cat'], 'cat'],
    ['quotes and brackets', 'a "(cat)" here', ['cat'], 'cat'],
    ['ellipses around', '...cat...', ['cat'], 'cat'],
    ['underscore is not a letter', 'cat_food', ['cat'], 'cat'],
    ['accented letter', 'ćat', ['cat'], 'cat'],
    ['accents in the banned word', 'CAFE au lait', ['café'], 'café'],
    ['many accents', 'ÜNÏCÖDÉ', ['unicode'], 'unicode'],
    ['dotted capital I', 'İstanbul', ['istanbul'], 'istanbul'],
    ['zero-width space inside', 'c\u200Bat', ['cat'], 'cat'],
    ['soft hyphen, word joiner, BOM inside', 'c\u00ADa\u2060t\uFEFF', ['cat'], 'cat'],
    ['fullwidth letters (NFKC)', 'ｃａｔ', ['cat'], 'cat'],
    ['fullwidth leetspeak', 'ｃ４ｔ', ['cat'], 'cat'],
    ['ligature (NFKC)', 'ﬁsh tacos', ['fish'], 'fish'],
    ['leetspeak @', 'c@t', ['cat'], 'cat'],
    ['leetspeak digit', 'c4t', ['cat'], 'cat'],
    ['leetspeak several', 'h3ll0 there', ['hello'], 'hello'],
    ['leetspeak $ at the start', '$hit happens', ['shit'], 'shit'],
    ['leetspeak 1 for i', 'sh1t', ['shit'], 'shit'],
    ['@ before a word is a mention sign, not an a', 'hey @cat', ['cat'], 'cat'],
    ['a number stays a number', 'room 734 please', ['tea'], undefined],
    ['a year stays a year', 'the 5050 split in 2024', ['soso'], undefined],
    ['a banned number', 'the 1488 thing', ['1488'], '1488'],
    ['a banned number inside a word', 'x1488', ['1488'], undefined],
    ['phrase with extra spaces', 'a very bad   word here', ['bad word'], 'bad word'],
    ['phrase across a line break and nbsp', 'bad\n\u00A0word', ['bad word'], 'bad word'],
    ['phrase with punctuation between', 'bad-word, bad_word', ['bad word'], 'bad word'],
    ['phrase glued together is not the phrase', 'badword', ['bad word'], undefined],
    ['phrase inside longer words', 'sinbad wordy', ['bad word'], undefined],
    ['emoji around a word', '🐱cat🐱', ['cat'], 'cat'],
    ['a banned emoji', 'eat 🍆 now', ['🍆'], '🍆'],
    ['emoji variation selector ignored', 'I ❤ you', ['❤️'], '❤️'],
    ['regex characters are literal', 'I write c++ code', ['c++'], 'c++'],
    ['a dot only matches a dot', 'axb', ['a.b'], undefined],
    ['returns the word as stored', 'here be dragons and a dragon', ['Dragon'], 'Dragon'],
    ['first banned word in list order', 'cat and dog', ['dog', 'cat'], 'dog'],
    ['empty entries are ignored', 'anything at all', ['', '   ', '\u200B'], undefined],
    ['no banned words', 'cat', [], undefined],
    ['empty prompt', '', ['cat'], undefined],
  ];

  it.each(cases)('%s: %j', (_description, prompt, banned, expected) => {
    expect(findBannedWord(prompt, banned)).toBe(expected);
  });
});

describe('normalizeForMatching', () => {
  it.each([
    ['  Héllo\u200B   W0rld  2024 ', 'hello world 2024'],
    ['C4T 2024 4ever', 'cat 2024 aever'],
    ['ＨＥＬＬＯ　ｗｏｒｌｄ', 'hello world'],
    ['@home is $5', '@home is $5'],
    ['ma$$ive', 'massive'],
    ['tab\tand\r\nnewline', 'tab and newline'],
    ['\u202Eevil\u202C', 'evil'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeForMatching(input)).toBe(expected);
  });
});

describe('cleanBannedWord', () => {
  it('trims, folds width and case, drops invisible characters, keeps accents and leetspeak as typed', () => {
    expect(cleanBannedWord('  Bad \u200B  WORD\t')).toBe('bad word');
    expect(cleanBannedWord('ＤＲＡＧＯＮ')).toBe('dragon');
    expect(cleanBannedWord('Café')).toBe('café');
    expect(cleanBannedWord('C@T')).toBe('c@t');
  });
});
