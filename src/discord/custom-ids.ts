/**
 * The custom_ids of the bot's buttons and modals. They carry no state but ids: everything else is read from
 * the store when they are used, so a button keeps working after any restart, deploy or shard move. The
 * version lets a later format refuse an older button cleanly instead of misreading it.
 */
export const CUSTOM_ID_VERSION = 'img:v1';
/** Discord's limit for a custom_id. */
export const MAX_CUSTOM_ID_LENGTH = 100;

/** Buttons under delivered images, each naming one job: `img:v1:<kind>:<jobId>`. Upscale came later in v1; the others are as old as v1. */
export const IMAGE_ACTIONS = ['reroll', 'edit', 'delete', 'upscale'] as const;
export type ImageAction = (typeof IMAGE_ACTIONS)[number];

export type CustomId =
  /** A button under delivered images: Reroll and Delete name a message's first image, Edit and Upscale their own. */
  | { kind: ImageAction; jobId: string }
  /** The edit modal opened from an image's Edit button. */
  | { kind: 'edit_image'; jobId: string }
  /** The edit modal opened from the "Edit image" message command; the picture waits in the store under `sourceId`. */
  | { kind: 'edit_source'; sourceId: string }
  /** A page of /history. */
  | { kind: 'history_page'; offset: number }
  /** Cancel under the status of a job that has not reached KIE yet. */
  | { kind: 'cancel'; jobId: string };

const ID = /^[A-Za-z0-9-]{1,64}$/;

export function encodeCustomId(id: CustomId): string {
  const parts = ((): string[] => {
    switch (id.kind) {
      case 'reroll':
      case 'edit':
      case 'delete':
      case 'upscale':
        return [id.kind, id.jobId];
      case 'edit_image':
        return ['editjob', id.jobId];
      case 'edit_source':
        return ['editsrc', id.sourceId];
      case 'history_page':
        return ['history', String(id.offset)];
      case 'cancel':
        return ['cancel', id.jobId];
    }
  })();
  const encoded = [CUSTOM_ID_VERSION, ...parts].join(':');
  if (encoded.length > MAX_CUSTOM_ID_LENGTH) throw new Error(`custom_id longer than ${MAX_CUSTOM_ID_LENGTH} characters: ${encoded}`);
  return encoded;
}

/** What a custom_id means: ours in this version, ours from another version ('outdated'), or not ours (undefined). */
export function parseCustomId(text: string): CustomId | 'outdated' | undefined {
  if (!text.startsWith('img:')) return undefined;
  if (!text.startsWith(`${CUSTOM_ID_VERSION}:`)) return 'outdated';
  const [verb, argument = '', ...rest] = text.slice(CUSTOM_ID_VERSION.length + 1).split(':');
  if (rest.length > 0) return 'outdated';
  if ((IMAGE_ACTIONS as readonly string[]).includes(verb ?? '') && ID.test(argument)) {
    return { kind: verb as ImageAction, jobId: argument };
  }
  if (verb === 'editjob' && ID.test(argument)) return { kind: 'edit_image', jobId: argument };
  if (verb === 'editsrc' && ID.test(argument)) return { kind: 'edit_source', sourceId: argument };
  if (verb === 'history' && /^\d{1,6}$/.test(argument)) return { kind: 'history_page', offset: Number(argument) };
  if (verb === 'cancel' && ID.test(argument)) return { kind: 'cancel', jobId: argument };
  return 'outdated';
}
