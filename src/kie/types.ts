export const SEEDREAM_T2I_MODEL = 'seedream/4.5-text-to-image';
/** The same model, starting from pictures given as URLs that KIE fetches itself. */
export const SEEDREAM_EDIT_MODEL = 'seedream/4.5-edit';
export type SeedreamModel = typeof SEEDREAM_T2I_MODEL | typeof SEEDREAM_EDIT_MODEL;
/** Topaz's upscaler on the same jobs API: one picture in, the same picture at `upscale_factor` times the size. */
export const TOPAZ_UPSCALE_MODEL = 'topaz/image-upscale';
export type TaskModel = SeedreamModel | typeof TOPAZ_UPSCALE_MODEL;
/** The factor the bot asks of the upscaler: a 2K image becomes 4K. KIE wants it as a string. */
export const UPSCALE_FACTOR = '2';

/** What seedream/4.5-edit accepts in `image_urls`: 1 to 14 pictures of these types, 10 MB each at most. */
export const EDIT_IMAGE_LIMITS = {
  maxImages: 14,
  maxBytes: 10 * 1024 * 1024,
  contentTypes: ['image/png', 'image/jpeg', 'image/webp'],
} as const;

export const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const QUALITIES = ['basic', 'high'] as const;
export type Quality = (typeof QUALITIES)[number];
/** How a quality is named to members: the resolution Seedream 4.5 returns for it. */
export const QUALITY_LABELS = { basic: '2K', high: '4K' } as const satisfies Record<Quality, string>;

export const MAX_PROMPT_LENGTH = 3000;

export interface TextToImageInput {
  prompt: string;
  aspect_ratio: AspectRatio;
  quality: Quality;
}

/** A task's input: text to image, or (with `image_urls`) an edit of those pictures. */
export interface ImageTaskInput extends TextToImageInput {
  image_urls?: readonly string[];
}

/** topaz/image-upscale's input: one picture URL (JPEG, PNG or WebP, at most 10 MB) and the factor. */
export interface UpscaleTaskInput {
  image_url: string;
  upscale_factor: typeof UPSCALE_FACTOR;
}

/** Any task the bot creates. */
export type TaskInput = ImageTaskInput | UpscaleTaskInput;

export function isUpscaleInput(input: TaskInput): input is UpscaleTaskInput {
  return 'image_url' in input;
}

/** The model a task's input calls for. */
export function modelFor(input: { image_urls?: readonly string[] | undefined; image_url?: string | undefined }): TaskModel {
  if (input.image_url !== undefined) return TOPAZ_UPSCALE_MODEL;
  return input.image_urls === undefined ? SEEDREAM_T2I_MODEL : SEEDREAM_EDIT_MODEL;
}

/** One recordInfo answer (or callback payload), normalised. */
export interface TaskRecord {
  taskId: string;
  /** waiting | queuing | generating | success | fail, or whatever unknown value KIE sent. */
  state: string;
  resultUrls: string[];
  failCode: string | null;
  failMsg: string | null;
  costTimeSeconds: number | null;
  /** Unix milliseconds. */
  createTime: number | null;
  /** Unix milliseconds. */
  completeTime: number | null;
  creditsConsumed: number | null;
}

export type KieErrorKind =
  | 'auth'
  | 'credits'
  | 'validation'
  | 'rate_limited'
  | 'unavailable'
  | 'server'
  | 'not_found'
  | 'network'
  | 'timeout'
  | 'bad_response'
  | 'forbidden_model'
  | 'generation_failed'
  | 'task_failed'
  | 'task_timeout';
