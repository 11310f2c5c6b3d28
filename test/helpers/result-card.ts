import { expect } from 'vitest';

/** Discord's IS_COMPONENTS_V2 message flag. */
export const IS_COMPONENTS_V2 = 1 << 15;

interface ComponentJson {
  type: number;
  content?: string;
  components?: ComponentJson[];
  items?: Array<{ media: { url: string }; description?: string }>;
  accent_color?: number;
  label?: string;
  custom_id?: string;
}

/** A result card as Discord received it, read back into its parts. */
export interface ReadCard {
  heading: string;
  /** The gallery's media URLs (`attachment://<file>` as sent). */
  images: string[];
  alts: string[];
  prompt: string;
  /** The details text display: settings, who asked, style, lineage, and the footer's small print. */
  details: string;
  buttons: Array<{ label?: string; custom_id?: string }>;
  /** How many components Discord counts (nested ones too). */
  componentCount: number;
}

/**
 * Reads a result card (the components and flags of a message or a request body) and checks its shape: a
 * single container with the heading, one media gallery, the prompt, a separator, the details and the
 * action rows of buttons; the text displays are every text there is.
 */
export function readCard(message: { components?: unknown; flags?: number | undefined }): ReadCard {
  expect((message.flags ?? 0) & IS_COMPONENTS_V2).toBe(IS_COMPONENTS_V2);
  const top = (message.components ?? []) as ComponentJson[];
  expect(top).toHaveLength(1);
  const container = top[0]!;
  expect(container.type).toBe(17);
  const inside = container.components ?? [];
  expect(inside.map((component) => component.type)).toEqual([10, 12, 10, 14, 10, ...inside.slice(5).map(() => 1)]);
  const [heading, gallery, prompt, , details, ...rows] = inside;
  const count = (components: readonly ComponentJson[]): number => components.reduce((sum, c) => sum + 1 + count(c.components ?? []), 0);
  return {
    heading: heading!.content!,
    images: (gallery!.items ?? []).map((item) => item.media.url),
    alts: (gallery!.items ?? []).map((item) => item.description ?? ''),
    prompt: prompt!.content!,
    details: details!.content!,
    buttons: rows.flatMap((row) => row.components ?? []),
    componentCount: count(top),
  };
}
