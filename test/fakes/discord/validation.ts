/** Discord's checks on a message body: lengths, embed limits, allowed_mentions, upload size. */
import { requestTooLarge, type FormErrors } from './errors.js';
import { validateAllowedMentions } from './mentions.js';
import { isRecord } from './json.js';
import type { MessageWrite } from './messages.js';
import type { RecordedFile } from './types.js';

/**
 * Lengths are counted in Unicode code points ([...s].length), as Discord's Python validators do with len(str);
 * an emoji outside the BMP therefore counts 1, not 2 as in UTF-16 `.length`.
 */
export function charCount(text: string): number {
  return [...text].length;
}

const EMBED_LIMITS = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256 };
const EMBED_TOTAL_LIMIT = 6000;
const URL_FIELDS: readonly (readonly string[])[] = [
  ['url'],
  ['image', 'url'],
  ['thumbnail', 'url'],
  ['author', 'url'],
  ['author', 'icon_url'],
  ['footer', 'icon_url'],
];

function maxLength(errors: FormErrors, path: (string | number)[], value: unknown, limit: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'string') {
    errors.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
    return 0;
  }
  const length = charCount(value);
  if (length > limit) errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${limit} or fewer in length.`);
  return length;
}

function nested(value: unknown, keys: readonly string[]): unknown {
  let current = value;
  for (const key of keys) current = isRecord(current) ? current[key] : undefined;
  return current;
}

/** Validates one embed and returns the characters it counts towards the 6000 total. */
function validateEmbed(embed: unknown, index: number, errors: FormErrors): number {
  const at = (...rest: (string | number)[]) => ['embeds', index, ...rest];
  if (!isRecord(embed)) {
    errors.add(at(), 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return 0;
  }
  let total = 0;
  total += maxLength(errors, at('title'), embed['title'], EMBED_LIMITS.title);
  total += maxLength(errors, at('description'), embed['description'], EMBED_LIMITS.description);
  total += maxLength(errors, at('footer', 'text'), nested(embed, ['footer', 'text']), EMBED_LIMITS.footer);
  total += maxLength(errors, at('author', 'name'), nested(embed, ['author', 'name']), EMBED_LIMITS.author);
  const fields = embed['fields'];
  if (fields !== undefined && fields !== null) {
    if (!Array.isArray(fields)) {
      errors.add(at('fields'), 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
    } else {
      if (fields.length > EMBED_LIMITS.fields) {
        errors.add(at('fields'), 'BASE_TYPE_MAX_LENGTH', `Must be ${EMBED_LIMITS.fields} or fewer in length.`);
      }
      fields.forEach((field: unknown, fieldIndex) => {
        for (const [key, limit] of [['name', EMBED_LIMITS.fieldName], ['value', EMBED_LIMITS.fieldValue]] as const) {
          const value = isRecord(field) ? field[key] : undefined;
          if (value === undefined || value === null || value === '') {
            errors.add(at('fields', fieldIndex, key), 'BASE_TYPE_REQUIRED', 'This field is required');
          } else {
            total += maxLength(errors, at('fields', fieldIndex, key), value, limit);
          }
        }
      });
    }
  }
  for (const keys of URL_FIELDS) {
    const url = nested(embed, keys);
    if (typeof url !== 'string') continue;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    const allowed = keys.at(-1) === 'url' && keys.length === 1 ? ['http', 'https'] : ['http', 'https', 'attachment'];
    if (!scheme || !allowed.includes(scheme)) {
      errors.add(
        at(...keys),
        'URL_TYPE_INVALID_SCHEME',
        `Scheme "${scheme ?? url}" is not supported. Scheme must be one of (${allowed.map((s) => `'${s}'`).join(', ')}).`,
      );
    }
  }
  const color = embed['color'];
  if (color !== undefined && color !== null && (typeof color !== 'number' || color < 0 || color > 0xffffff)) {
    errors.add(at('color'), 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 16777215.');
  }
  return total;
}

/** Discord's checks on a message body; collects into `errors` (the caller throws, prefixing `data` for callbacks). */
export function validateMessageWrite(write: MessageWrite, errors: FormErrors): void {
  const { body } = write;
  maxLength(errors, ['content'], body['content'], 2000);
  const embeds = body['embeds'];
  if (embeds !== undefined && embeds !== null) {
    if (!Array.isArray(embeds)) {
      errors.add(['embeds'], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
    } else {
      if (embeds.length > 10) errors.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
      const total = embeds.reduce<number>((sum, embed: unknown, index) => sum + validateEmbed(embed, index, errors), 0);
      if (total > EMBED_TOTAL_LIMIT) {
        errors.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${EMBED_TOTAL_LIMIT}`);
      }
    }
  }
  validateAllowedMentions(body['allowed_mentions'], errors);
  const attachments = body['attachments'];
  if (Array.isArray(attachments) && attachments.length > 10) {
    errors.add(['attachments'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  }
  if (write.files.length > 10) {
    errors.add(['files'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  }
  validateComponentsV2(write, errors);
}

const IS_COMPONENTS_V2 = 1 << 15;
const MEDIA_GALLERY = 12;
const TEXT_DISPLAY = 10;
const MAX_V2_COMPONENTS = 40;
/** All the text of a Components V2 message together (text displays, wherever nested). */
const MAX_V2_TEXT = 4000;

/**
 * A message flagged IS_COMPONENTS_V2 is made of its components alone: Discord refuses content and embeds
 * beside them, counts at most 40 components (nested ones too) and 4000 characters of text in all, and a media
 * item's `attachment://` URL must name a file of the same request (or an attachment the message keeps).
 */
function validateComponentsV2({ body, files }: MessageWrite, errors: FormErrors): void {
  const flags = typeof body['flags'] === 'number' ? body['flags'] : 0;
  if ((flags & IS_COMPONENTS_V2) === 0) return;
  for (const legacy of ['content', 'embeds'] as const) {
    const value = body[legacy];
    if (value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)) {
      errors.add([legacy], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', 'The \'content\' and \'embeds\' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2');
    }
  }
  const components = Array.isArray(body['components']) ? (body['components'] as unknown[]) : [];
  const named = new Set([
    ...files.map((file) => file.filename),
    ...(Array.isArray(body['attachments']) ? (body['attachments'] as Array<Record<string, unknown>>).map((attachment) => String(attachment['filename'] ?? '')) : []),
  ]);
  let count = 0;
  let text = 0;
  const visit = (component: unknown, path: (string | number)[]): void => {
    if (!isRecord(component)) return;
    count += 1;
    if (component['type'] === TEXT_DISPLAY && typeof component['content'] === 'string') text += component['content'].length;
    if (component['type'] === MEDIA_GALLERY && Array.isArray(component['items'])) {
      (component['items'] as unknown[]).forEach((item, index) => {
        const url = isRecord(item) && isRecord(item['media']) ? item['media']['url'] : undefined;
        if (typeof url === 'string' && url.startsWith('attachment://') && !named.has(url.slice('attachment://'.length))) {
          errors.add([...path, 'items', index, 'media', 'url'], 'UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND', `No attachment named ${url.slice('attachment://'.length)}`);
        }
      });
    }
    for (const key of ['components', 'accessory'] as const) {
      const inner = component[key];
      if (Array.isArray(inner)) inner.forEach((child, index) => visit(child, [...path, key, index]));
      else if (inner !== undefined) visit(inner, [...path, key]);
    }
  };
  components.forEach((component, index) => visit(component, ['components', index]));
  if (count > MAX_V2_COMPONENTS) errors.add(['components'], 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_V2_COMPONENTS} or fewer in length.`);
  if (text > MAX_V2_TEXT) errors.add(['components'], 'COMPONENT_MAX_TOTAL_TEXT_LENGTH_EXCEEDED', `The total length of all text in the message must be ${MAX_V2_TEXT} or fewer characters.`);
}

/** 413 40005 when the uploaded bytes of one request exceed the limit. */
export function checkUploadSize(files: readonly RecordedFile[], limitBytes: number): void {
  const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
  if (total > limitBytes) throw requestTooLarge();
}

