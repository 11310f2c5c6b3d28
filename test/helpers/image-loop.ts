import { expect } from 'vitest';
import type { FakeDiscord, FakeInteraction, FakeMessage, FakeUserSpec } from '../fakes/discord/index.js';

export type ImageButton = 'Reroll' | 'Edit' | 'Upscale' | 'Delete';

interface ButtonJson {
  type: number;
  label?: string;
  custom_id?: string;
  disabled?: boolean;
}

interface ComponentJson extends ButtonJson {
  components?: ComponentJson[];
}

/** Every component of a message, nested ones too, in order. */
function componentsOf(message: FakeMessage): ComponentJson[] {
  const all = (components: readonly ComponentJson[]): ComponentJson[] => components.flatMap((component) => [component, ...all(component.components ?? [])]);
  return all(message.components as ComponentJson[]);
}

/** The buttons of a message, in its action rows wherever they are (a result card nests them in its container). */
export function buttonsOf(message: FakeMessage): ButtonJson[] {
  return componentsOf(message).filter((component) => component.type === 2);
}

/** The action rows of a message, top-level or inside a result card's container. */
export function actionRowsOf(message: FakeMessage): ComponentJson[] {
  return componentsOf(message).filter((component) => component.type === 1);
}

/** The custom_id of the button whose label holds `word`. */
export function customIdOf(message: FakeMessage, word: string): string {
  const button = buttonsOf(message).find((candidate) => candidate.label?.includes(word));
  if (!button?.custom_id) throw new Error(`no ${word} button on message ${message.id}`);
  return button.custom_id;
}

/** `user` presses one of the buttons on a message. */
export function press(
  discord: FakeDiscord,
  message: FakeMessage,
  word: string,
  user: FakeUserSpec,
  extra: { memberPermissions?: string } = {},
): FakeInteraction {
  return discord.dispatchComponent({ messageId: message.id, customId: customIdOf(message, word), user, ...extra });
}

/** Checks the Reroll / Edit / Upscale / Delete row under one delivered image (no Upscale on a 4K image). */
export function expectImageButtons(message: FakeMessage, { upscale = true }: { upscale?: boolean } = {}): void {
  expect(actionRowsOf(message)).toHaveLength(1);
  const labels = buttonsOf(message).map((button) => button.label);
  expect(labels).toEqual(['Reroll', 'Edit', ...(upscale ? ['Upscale'] : []), 'Delete']);
  expectVersionedIds(message);
}

/** Checks the rows under a set of `count` images: Reroll and Delete, then Edit 1…N, then Upscale 1…N. */
export function expectSetButtons(message: FakeMessage, count: number): void {
  const rows = actionRowsOf(message).map((row) => (row.components ?? []).map((button) => button.label));
  const numbered = (word: string) => Array.from({ length: count }, (_, index) => `${word} ${index + 1}`);
  expect(rows).toEqual([['Reroll', 'Delete'], numbered('Edit'), numbered('Upscale')]);
  expectVersionedIds(message);
}

function expectVersionedIds(message: FakeMessage): void {
  for (const button of buttonsOf(message)) {
    expect(button.custom_id).toMatch(/^img:v1:(reroll|edit|upscale|delete):[0-9a-f-]{36}$/);
    expect(button.custom_id!.length).toBeLessThanOrEqual(100);
  }
}

/** The text of the bot's first private answer (callback 4, ephemeral) to an interaction. */
export async function privateAnswer(interaction: FakeInteraction): Promise<string> {
  const callback = await interaction.waitForResponse();
  expect(callback.type).toBe(4);
  const data = callback.data as { content?: string; flags?: number };
  expect((data.flags ?? 0) & 64).toBe(64);
  return data.content ?? '';
}

export const hasImage = (message: FakeMessage): boolean => message.attachments.length > 0;
