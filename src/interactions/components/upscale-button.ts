import { Refusal } from '../../errors.js';
import { UPSCALE_FACTOR } from '../../kie/index.js';
import { parseImagineRequest } from '../../jobs/request.js';
import { upscalable } from '../../jobs/result-message.js';
import { jobInteractionOf } from '../job-interaction.js';
import { buttonHandler } from './registry.js';
import { parentOf, pictureOnMessage, pressedImage, visibilityOf } from './pressed-image.js';

/**
 * 🔍 Upscale (or `Upscale n` under a set): topaz/image-upscale of that 2K image, ×2, one unit through the
 * same admission as /imagine; the result is a new message. A 4K image has no such button, but an old or
 * forged press on one is refused privately.
 */
export const upscaleButton = buttonHandler({
  kind: 'upscale',
  async run(interaction, { jobId }, services) {
    const entry = await pressedImage(interaction, jobId, services);
    if (!upscalable(entry)) throw new Refusal({ code: 'upscale_unavailable' });
    const parsed = parseImagineRequest({ prompt: entry.prompt, aspect: entry.aspect, quality: entry.quality });
    if (!parsed.ok) throw new Refusal(parsed.refusal);
    const picture = pictureOnMessage(interaction.message, entry);
    await services.startJob(jobInteractionOf(interaction, entry.guildId, services.membership, visibilityOf(entry)), {
      ...parsed.request,
      imageUrls: [picture.url],
      ...(picture.imageSource === undefined ? {} : { imageSource: picture.imageSource }),
      upscaleFactor: UPSCALE_FACTOR,
      ...parentOf(entry, interaction.message),
    });
  },
});
