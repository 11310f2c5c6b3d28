import type { FakeDiscord, FakeInteraction, FakeUserSpec } from '../fakes/discord/index.js';
import type { FakeKie } from '../fakes/kie/index.js';

export interface ShardedGuild {
  id: string;
  channel: string;
}

/**
 * One server per shard of `count`: server n's snowflake has the timestamp part `seed * count + n`, so Discord's
 * (id >> 22) % count puts it on shard n. Different seeds give different servers.
 */
export function guildsOnShards(count: number, seed: bigint): ShardedGuild[] {
  return Array.from({ length: count }, (_, n) => {
    const base = (seed * BigInt(count) + BigInt(n)) << 22n;
    return { id: (base | 1n).toString(), channel: (base | 2n).toString() };
  });
}

/** /imagine in the n-th server, and what KIE and Discord saw of it; `fakes` is read at each call (they start in beforeAll). */
export function shardedImagine(fakes: () => { discord: FakeDiscord; kie: FakeKie }, guilds: readonly ShardedGuild[], defaultUser: FakeUserSpec) {
  return {
    imagine: (guildIndex: number, prompt: string, user: FakeUserSpec = defaultUser): FakeInteraction =>
      fakes().discord.dispatchInteraction({
        commandName: 'imagine',
        options: [{ name: 'prompt', type: 3, value: prompt }],
        guildId: guilds[guildIndex]!.id,
        channelId: guilds[guildIndex]!.channel,
        user,
      }),
    /** The createTask calls whose body carries this text. */
    createsWith: (text: string) => fakes().kie.creates.filter((call) => JSON.stringify(call.body).includes(text)),
    /** How many of the reply's edits carry the image. */
    imagesIn: (interaction: FakeInteraction) => interaction.edits.filter((edit) => edit.attachments.length > 0).length,
  };
}
