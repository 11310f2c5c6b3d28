import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponentWithCustomId, type APIEmbed } from 'discord.js';
import { encodeCustomId } from '../discord/custom-ids.js';
import { jumpLink, type HistoryPage } from '../history/history.js';
import { EMBED_COLOR, promptForEmbed, truncate } from '../discord/embeds.js';
import type { Messages } from '../messages.js';

export const HISTORY_PAGE_SIZE = 10;
const PROMPT_PREVIEW = 120;

export interface HistoryView {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
}

/** One page of a member's images: prompt, time and a jump link each, with Newer / Older buttons when there are more. */
export function historyView(page: HistoryPage, offset: number, m: Messages, personal = false): HistoryView {
  if (page.total === 0) return { content: personal ? m.personalHistoryEmpty : m.historyEmpty, embeds: [], components: [] };
  const lines = page.entries.map((entry, index) => {
    const seconds = Math.floor(entry.createdAt / 1000);
    const edited = entry.upscaleFactor !== undefined ? ` · ${m.upscaledFrom(entry.upscaleFactor)}` : entry.inputImageUrls.length > 0 ? ` · ${m.editedFrom}` : '';
    const parent = entry.parents === undefined ? '' : ` · ${m.historyParents(entry.parents.map(({ url }) => url))}`;
    const prompt = promptForEmbed(truncate(entry.prompt.replace(/\s+/g, ' '), PROMPT_PREVIEW));
    const link = jumpLink(entry);
    const open = link === undefined ? '' : ` · [${m.historyOpen}](${link})`;
    return `**${offset + index + 1}.** <t:${seconds}:f> (<t:${seconds}:R>)${open}${edited}${parent}\n${prompt}`;
  });
  const embed: APIEmbed = {
    title: personal ? m.personalHistoryTitle : m.historyTitle,
    description: lines.join('\n\n'),
    color: EMBED_COLOR,
    footer: { text: m.historyFooter(offset + 1, offset + page.entries.length, page.total) },
  };
  const components: HistoryView['components'] = [];
  if (page.total > HISTORY_PAGE_SIZE) {
    components.push({
      type: ComponentType.ActionRow,
      components: [
        pageButton(m.historyPrevious, Math.max(0, offset - HISTORY_PAGE_SIZE), offset === 0),
        pageButton(m.historyNext, offset + HISTORY_PAGE_SIZE, offset + HISTORY_PAGE_SIZE >= page.total),
      ],
    });
  }
  return { content: '', embeds: [embed], components };
}

function pageButton(label: string, offset: number, disabled: boolean): APIButtonComponentWithCustomId {
  return {
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    label,
    custom_id: encodeCustomId({ kind: 'history_page', offset }),
    disabled,
  };
}
