import type { RefusalReason } from '../errors.js';
import { ASPECT_RATIOS, EDIT_IMAGE_LIMITS, type AspectRatio } from '../kie/index.js';

/** A file a member offers as the picture to start from: an attachment option or a message's attachment. */
export interface PictureCandidate {
  url: string;
  contentType: string | null;
  size: number;
  width?: number | null;
  height?: number | null;
}

export type CheckedPicture<T extends PictureCandidate = PictureCandidate> =
  | { ok: true; picture: T; url: string; aspect: AspectRatio | undefined }
  | { ok: false; refusal: RefusalReason };

/**
 * Whether KIE's edit model can take the file (PNG, JPEG or WebP, at most 10 MB), checked before any task so
 * that a refusal is private and free. Discord's reported type and size are trusted; KIE checks the bytes.
 */
export function checkPicture<T extends PictureCandidate>(candidate: T | undefined): CheckedPicture<T> {
  if (candidate === undefined) return { ok: false, refusal: { code: 'no_image' } };
  const type = mediaType(candidate.contentType);
  if (type === undefined || !(EDIT_IMAGE_LIMITS.contentTypes as readonly string[]).includes(type)) {
    return { ok: false, refusal: { code: 'not_an_image', contentType: candidate.contentType } };
  }
  if (candidate.size > EDIT_IMAGE_LIMITS.maxBytes) {
    return { ok: false, refusal: { code: 'image_too_large', bytes: candidate.size, max: EDIT_IMAGE_LIMITS.maxBytes } };
  }
  return { ok: true, picture: candidate, url: candidate.url, aspect: closestAspect(candidate.width, candidate.height) };
}

/** The first attachment that claims to be an image, else the first attachment (to name its type), else none. */
export function pictureOf<T extends PictureCandidate>(attachments: readonly T[]): T | undefined {
  return attachments.find((attachment) => mediaType(attachment.contentType)?.startsWith('image/')) ?? attachments[0];
}

/** The supported aspect ratio nearest to a picture's shape (compared on a log scale), if its size is known. */
export function closestAspect(width: number | null | undefined, height: number | null | undefined): AspectRatio | undefined {
  if (!width || !height) return undefined;
  const target = Math.log(width / height);
  let best: AspectRatio = '1:1';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of ASPECT_RATIOS) {
    const [w = 1, h = 1] = ratio.split(':').map(Number);
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}

function mediaType(contentType: string | null): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}
