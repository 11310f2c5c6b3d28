import type { FormErrors } from './errors.js';
import { isRecord } from './json.js';
import type { ComputedMentions } from './types.js';

const PARSE_TYPES = ['roles', 'users', 'everyone'] as const;
type ParseType = (typeof PARSE_TYPES)[number];

interface AllowedMentions {
  parse: Set<ParseType>;
  users: Set<string>;
  roles: Set<string>;
}


function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Validates `allowed_mentions` the way Discord does (choices, 100-id caps, parse/list exclusivity). */
export function validateAllowedMentions(value: unknown, errors: FormErrors): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value)) {
    errors.add(['allowed_mentions'], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return;
  }
  const parse = value['parse'];
  if (parse !== undefined && !Array.isArray(parse)) {
    errors.add(['allowed_mentions', 'parse'], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
  }
  const parseList = Array.isArray(parse) ? parse : [];
  parseList.forEach((item, index) => {
    if (!PARSE_TYPES.includes(item as ParseType)) {
      errors.add(
        ['allowed_mentions', 'parse', index],
        'BASE_TYPE_CHOICES',
        "Value must be one of ('roles', 'users', 'everyone').",
      );
    }
  });
  for (const kind of ['users', 'roles'] as const) {
    const list = value[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      errors.add(['allowed_mentions', kind], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
      continue;
    }
    if (list.length > 100) {
      errors.add(['allowed_mentions', kind], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    }
    if (list.length > 0 && parseList.includes(kind)) {
      errors.add(
        ['allowed_mentions'],
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        `parse:["${kind}"] and ${kind}: [ids] are mutually exclusive.`,
      );
    }
  }
}

function parseAllowed(value: unknown): AllowedMentions | undefined {
  if (!isRecord(value)) return undefined;
  return {
    parse: new Set(stringList(value['parse']).filter((p): p is ParseType => PARSE_TYPES.includes(p as ParseType))),
    users: new Set(stringList(value['users'])),
    roles: new Set(stringList(value['roles'])),
  };
}

function uniqueMatches(content: string, pattern: RegExp): string[] {
  const ids: string[] = [];
  for (const match of content.matchAll(pattern)) {
    const id = match[1];
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * Whom Discord would notify for `content` under `allowed_mentions`: absent (or null) parses everything;
 * otherwise only the `parse` kinds, plus explicitly listed users/roles that the content mentions.
 */
export function computeMentions(content: string, allowedMentions: unknown): ComputedMentions {
  const allowed = parseAllowed(allowedMentions);
  const mentionedUsers = uniqueMatches(content, /<@!?(\d+)>/g);
  const mentionedRoles = uniqueMatches(content, /<@&(\d+)>/g);
  const mentionsEveryone = /@(everyone|here)\b/.test(content);
  if (!allowed) return { everyone: mentionsEveryone, users: mentionedUsers, roles: mentionedRoles };
  return {
    everyone: mentionsEveryone && allowed.parse.has('everyone'),
    users: allowed.parse.has('users') ? mentionedUsers : mentionedUsers.filter((id) => allowed.users.has(id)),
    roles: allowed.parse.has('roles') ? mentionedRoles : mentionedRoles.filter((id) => allowed.roles.has(id)),
  };
}
