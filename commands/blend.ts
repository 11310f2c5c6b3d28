import { Refusal } from '../src/errors.js';
import { blendLineage } from '../src/interactions/blend-lineage.js';
import { effectiveRequest, memberChoices } from '../src/interactions/effective-options.js';
import { jobInteractionOf } from '../src/interactions/job-interaction.js';
import { checkPicture } from '../src/interactions/picture.js';
import { suggestStyles } from '../src/interactions/style-autocomplete.js';
import { messages } from '../src/messages.js';
import type { Command } from '../src/services.js';
import { BLEND_PICTURE_OPTIONS, blendCommand, MIN_BLEND_PICTURES } from './blend-data.js';

/**
 * `/blend`: one seedream/4.5-edit task with every picture, in the order given. Each picture is checked (type,
 * size) before anything is reserved, so one file the image service cannot take refuses the whole blend for free.
 */
export const blend: Command = {
  data: blendCommand,
  async execute(interaction, services) {
    const attachments = BLEND_PICTURE_OPTIONS.flatMap((name) => interaction.options.getAttachment(name) ?? []);
    if (attachments.length < MIN_BLEND_PICTURES) throw new Refusal({ code: 'too_few_pictures', min: MIN_BLEND_PICTURES });
    const pictures = attachments.map((attachment) => checkPicture(attachment));
    const urls: string[] = [];
    for (const picture of pictures) {
      if (!picture.ok) throw new Refusal(picture.refusal);
      urls.push(picture.url);
    }
    const { defaults, styles } = await memberChoices(services, interaction.guildId, interaction.user.id);
    const first = pictures[0];
    const effective = effectiveRequest(
      {
        prompt: interaction.options.getString('prompt') ?? messages.blendPrompt,
        aspect: interaction.options.getString('aspect'),
        quality: interaction.options.getString('quality'),
        style: interaction.options.getString('style'),
        private: interaction.options.getBoolean('private'),
        pictureAspect: first?.ok ? first.aspect : undefined,
      },
      defaults,
      styles,
    );
    if (!effective.ok) throw new Refusal(effective.refusal);
    const names = attachments.map((attachment) => attachment.name);
    await services.startJob(jobInteractionOf(interaction, interaction.guildId, undefined, { private: effective.private }), { ...effective.request, imageUrls: urls }, {
      // Which pictures are the bot's own images is looked up once the reply is deferred, off Discord's 3 s.
      complete: async (request) => {
        const { parents, sources } = await blendLineage(names, interaction.guildId, { history: services.history, logger: services.logger, now: services.clock.now() });
        return parents.length === 0 ? request : { ...request, parents, pictureSources: sources };
      },
    });
  },
  autocomplete: suggestStyles,
};
