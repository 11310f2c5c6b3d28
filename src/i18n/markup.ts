/** Discord markup that reads the same in every language: timestamps (Discord shows them in the reader's language), mentions, code. */
export const relative = (ms: number): string => `<t:${Math.floor(ms / 1000)}:R>`;
export const shortTime = (ms: number): string => `<t:${Math.floor(ms / 1000)}:t>`;
export const user = (id: string): string => `<@${id}>`;
export const role = (id: string): string => `<@&${id}>`;
export const channel = (id: string): string => `<#${id}>`;
export const code = (text: string): string => `\`${text}\``;
