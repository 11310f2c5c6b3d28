import { readFileSync } from 'node:fs';
import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('invites the bot with exactly the permissions it names, Read Message History and Send Messages in Threads included', () => {
    const needed =
      PermissionFlagsBits.ViewChannel |
      PermissionFlagsBits.SendMessages |
      PermissionFlagsBits.EmbedLinks |
      PermissionFlagsBits.AttachFiles |
      PermissionFlagsBits.ReadMessageHistory |
      PermissionFlagsBits.SendMessagesInThreads;
    expect(needed).toBe(274878024704n);
    const invite = /https:\/\/discord\.com\/oauth2\/authorize\?client_id=<DISCORD_CLIENT_ID>&scope=bot\+applications\.commands&permissions=(\d+)/.exec(readme);
    expect(invite?.[1]).toBe(String(needed));
  });

  it('documents every variable of .env.example in the environment table', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const names = [...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) expect(readme).toContain(`| \`${name}\` |`);
  });
});
