import type { ButtonInteraction } from 'discord.js';
import { Refusal } from '../../errors.js';
import type { HistoryEntry } from '../../history/history.js';
import type { ImagineRequest } from '../../jobs/job.js';
import { parseImagineRequest } from '../../jobs/request.js';
import type { Services } from '../../services.js';
import { jobInteractionOf } from '../job-interaction.js';
import { currentPictureUrls, refreshedPictureUrls, sourcesOf, type PictureUrlDeps } from '../picture-source.js';
import { buttonHandler } from './registry.js';
import { parentOf, pressedImage, visibilityOf } from './pressed-image.js';

/**
 * 🔄 Reroll: the same prompt, settings and style as a new task (a set: as many images again; an upscale: the
 * same picture upscaled again; a blend: the same pictures blended again), paid by whoever pressed. A picture
 * whose link expired with no message to read it again from (attached to the command) is signed anew by Discord
 * before anything is reserved, and refused if Discord cannot; the others are looked up only once admitted. A
 * private image's reroll is private.
 */
export const rerollButton = buttonHandler({
  kind: 'reroll',
  async run(interaction, { jobId }, services) {
    const entry = await pressedImage(interaction, jobId, services);
    const parsed = parseImagineRequest({ prompt: entry.prompt, aspect: entry.aspect, quality: entry.quality });
    if (!parsed.ok) throw new Refusal(parsed.refusal);
    const inputImageUrls = await refreshedPictureUrls(entry.inputImageUrls, sourcesOf(entry.inputImageUrls, entry.inputSource, entry.inputSources), pictureDeps(interaction, services));
    if (inputImageUrls === undefined) throw new Refusal({ code: 'pictures_expired' });
    const request: ImagineRequest = {
      ...parsed.request,
      ...parentOf(entry, interaction.message),
      ...(entry.style === undefined ? {} : { style: entry.style }),
      ...(entry.upscaleFactor === undefined ? {} : { upscaleFactor: entry.upscaleFactor }),
    };
    await services.startJob(jobInteractionOf(interaction, entry.guildId, services.membership, visibilityOf(entry)), request, {
      count: entry.setSize ?? 1,
      complete: async (admitted) => ({ ...admitted, ...(await rerollPictures(interaction, { ...entry, inputImageUrls }, services)) }),
    });
  },
});

/** The pictures an edit, upscale or blend started from, at URLs KIE can still fetch (Discord's expire after about a day). */
async function rerollPictures(
  interaction: ButtonInteraction,
  entry: HistoryEntry,
  services: Services,
): Promise<Pick<ImagineRequest, 'imageUrls' | 'imageSource' | 'pictureSources'>> {
  const { inputImageUrls: urls, inputSource, inputSources } = entry;
  if (urls.length === 0) return {};
  const imageUrls = await currentPictureUrls(urls, sourcesOf(urls, inputSource, inputSources), pictureDeps(interaction, services));
  return { imageUrls, ...(inputSource === undefined ? {} : { imageSource: inputSource }), ...(inputSources === undefined ? {} : { pictureSources: inputSources }) };
}

function pictureDeps(interaction: ButtonInteraction, services: Services): PictureUrlDeps {
  return { client: interaction.client, logger: services.logger, now: services.clock.now() };
}
