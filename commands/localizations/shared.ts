import { ASPECT_RATIOS, QUALITIES, QUALITY_LABELS } from '../../src/kie/index.js';
import { MAX_BLEND_PICTURES } from '../blend-data.js';
import type { CommandTranslations, Translation } from './types.js';

/** Aspect ratios and resolutions read the same in every language, wherever a command offers them. */
export const sharedChoices: CommandTranslations = Object.fromEntries(
  ['imagine', 'blend', 'settings'].flatMap((command) => [
    ...ASPECT_RATIOS.map((ratio) => [`${command} aspect =${ratio}`, { name: ratio }] as const),
    ...QUALITIES.map((quality) => [`${command} quality =${quality}`, { name: QUALITY_LABELS[quality] }] as const),
  ]),
);

/** /blend's picture options (image1 … image6), named and described the way one language counts them. */
export const blendPictures = (translate: (n: number) => Translation): CommandTranslations =>
  Object.fromEntries(Array.from({ length: MAX_BLEND_PICTURES }, (_, index) => [`blend image${index + 1}`, translate(index + 1)]));
