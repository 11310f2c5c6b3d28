import { escapeMarkdown } from 'discord.js';
import { MAX_EMBED_DESCRIPTION } from '../messages.js';

/** The accent of the bot's own embeds (Discord's blurple). */
export const EMBED_COLOR = 0x5865f2;

/** Cuts text to at most `max` UTF-16 units (Discord's count) without splitting a character. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

export function promptForEmbed(prompt: string): string {
  const escaped = escapeMarkdown(prompt, { heading: true, bulletedList: true, numberedList: true })
    // Masked links in an embed would let a prompt dress a phishing URL as harmless text. discord.js's own
    // maskedLink option escapes only the first link of a line, so every bracket is escaped here.
    .replace(/[[\]]/g, '\\$&')
    // Block quotes and subtext would restyle the rest of the description.
    .replace(/^([ \t]*)(>|-#)/gm, '$1\\$2');
  return truncate(escaped, MAX_EMBED_DESCRIPTION);
}
