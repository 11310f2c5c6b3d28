import { PermissionFlagsBits } from 'discord.js';
import type { FakeUserSpec } from '../fakes/discord/index.js';

/**
 * The test world's ids, in one place: one server, its channels and roles, and the people in it by name.
 * Every id is a snowflake as Discord writes them (19 digits); a kind's ids share their leading digits so a
 * failing assertion shows at once what an id names.
 */
export const GUILD_ID = '1100000000000000001';
export const CHANNEL_ID = channelId(2);
/** A server the bot is not in (records that must not show up in this one). */
export const OTHER_GUILD_ID = '1100000000000000099';

/** The test server's n-th channel (2 is the default one, "general"; threads count as channels). */
export function channelId(n: number): string {
  return snowflake(1100000000000000000n, n);
}

/** Another server than the test one (operator tests with two servers). */
export function serverId(n: number): string {
  return snowflake(1100000000000000000n, n);
}

/** The test server's n-th role. */
export function roleId(n: number): string {
  return snowflake(1100000000000000050n, n);
}

/** The bot's application id in the fake Discord's interactions and in made-up job records. */
export const APPLICATION_ID = '1300000000000000001';

/** The n-th interaction id a test makes up (for job records and interactions it builds itself). */
export function interactionId(n: number): string {
  return snowflake(1400000000000000000n, n);
}

/** The n-th message id a test makes up (messages the fake Discord did not post, e.g. in history records). */
export function messageId(n: number): string {
  return snowflake(1400000000000000000n, n);
}

/** The people the tests name, and their user ids (MEMBER and ADMIN below are two of them). */
const PEOPLE: Record<string, number> = { painter: 1, neighbour: 2, sculptor: 2, moderator: 3, admin: 9 };

/**
 * A person by name: the names above keep their fixed ids; any other name gets an id of its own, the same
 * in every run (from the name's characters), so tests can invent members freely.
 */
export function person(name: string): FakeUserSpec {
  const known = PEOPLE[name];
  if (known !== undefined) return { id: snowflake(1200000000000000000n, known), username: name };
  let hash = 0n;
  for (const char of name) hash = (hash * 131n + BigInt(char.codePointAt(0)!)) % 1_000_000_000n;
  return { id: snowflake(1210000000000000000n, Number(hash)), username: name };
}

/** `count` distinct members (member0, member1, …): a crowd that asks at once. */
export function crowd(count: number): FakeUserSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: snowflake(1300000000000000000n, i), username: `member${i}` }));
}

export const MEMBER = person('painter');
export const ADMIN = person('admin');

export const MANAGE_GUILD = String(PermissionFlagsBits.ManageGuild);
export const MANAGE_MESSAGES = String(PermissionFlagsBits.ManageMessages);

function snowflake(base: bigint, n: number): string {
  return String(base + BigInt(n));
}
