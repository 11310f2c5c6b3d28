import {
  ComponentType,
  MessageFlags,
  SeparatorSpacingSize,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInContainer,
  type APIMessageTopLevelComponent,
} from 'discord.js';
import { truncate } from './embeds.js';
import type { OutgoingFile, OutgoingMessage } from './replies.js';

/** Discord's limits for a Components V2 message: components (nested ones counted), all text together, a gallery's items, alt text. */
export const CARD_LIMITS = { components: 40, text: 4000, galleryItems: 10, altText: 1024 } as const;

const ACCENT_COLOR = 0x5865f2;

/** What a result card shows; every text is Markdown the caller made safe (the prompt is cut to fit here). */
export interface CardParts {
  /** The first line(s): whose image it is, and its title. */
  heading: string;
  /** The uploaded images, in order, each with its alt text. */
  media: ReadonlyArray<{ file: OutgoingFile; alt: string }>;
  /** The prompt, escaped; shortened here when the card's text would pass Discord's limit. */
  prompt: string;
  /** Settings, who asked, style, lineage: one line each. */
  details: readonly string[];
  /** Small print under the details (the model and size). */
  footer: string;
  buttons: ReadonlyArray<APIActionRowComponent<APIButtonComponentWithCustomId>>;
  /** The one member the card may ping (a late result, posted away from their reply); else nobody is. */
  notify?: string;
}

/**
 * A delivered image as one Components V2 card (IS_COMPONENTS_V2): a container holding the heading, a media
 * gallery of the uploaded files (`attachment://<name>`, so the message's attachments stay what Edit, /history
 * and re-reads use), the prompt, the details and the buttons. Nobody is pinged, whoever the text names,
 * but the member a late card is for.
 */
export function resultCard(parts: CardParts): OutgoingMessage {
  if (parts.media.length === 0 || parts.media.length > CARD_LIMITS.galleryItems) throw new RangeError(`a result card holds 1 to ${CARD_LIMITS.galleryItems} images, not ${parts.media.length}`);
  const details = [...parts.details, `-# ${parts.footer}`].join('\n');
  const fixedText = parts.heading.length + details.length;
  const prompt = fixedText >= CARD_LIMITS.text ? '' : truncate(parts.prompt, CARD_LIMITS.text - fixedText);
  const inside: APIComponentInContainer[] = [
    { type: ComponentType.TextDisplay, content: parts.heading },
    {
      type: ComponentType.MediaGallery,
      items: parts.media.map(({ file, alt }) => ({ media: { url: `attachment://${file.name}` }, description: truncate(alt, CARD_LIMITS.altText) })),
    },
    ...(prompt === '' ? [] : [{ type: ComponentType.TextDisplay, content: prompt } as const]),
    { type: ComponentType.Separator, divider: true, spacing: SeparatorSpacingSize.Small },
    { type: ComponentType.TextDisplay, content: details },
    ...parts.buttons,
  ];
  const components: APIMessageTopLevelComponent[] = [{ type: ComponentType.Container, accent_color: ACCENT_COLOR, components: inside }];
  const count = countComponents(components);
  if (count > CARD_LIMITS.components) throw new RangeError(`a result card has ${count} components; Discord allows ${CARD_LIMITS.components}`);
  return { flags: MessageFlags.IsComponentsV2, components, files: parts.media.map(({ file }) => file), allowedMentions: parts.notify === undefined ? { parse: [] } : { users: [parts.notify] } };
}

/** Every component, nested ones too (what Discord counts against its 40). */
export function countComponents(components: readonly unknown[]): number {
  return components.reduce<number>((sum, component) => {
    const inner = (component as { components?: unknown[] }).components;
    return sum + 1 + (Array.isArray(inner) ? countComponents(inner) : 0);
  }, 0);
}
