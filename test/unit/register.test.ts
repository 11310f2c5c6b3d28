import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { REST, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imagineAdminCommand } from '../../commands/imagine-admin-data.js';
import { imagineCommand } from '../../commands/imagine-data.js';
import { quotaCommand } from '../../commands/quota-data.js';
import { createLogger } from '../../src/log.js';
import { registerCommands, sameCommands } from '../../src/register.js';

type Json = Record<string, unknown>;

const local: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [imagineCommand, quotaCommand, imagineAdminCommand].map(
  (command) => structuredClone(command) as RESTPostAPIChatInputApplicationCommandsJSONBody,
);

const clone = <T>(value: T): T => structuredClone(value);

/** What Discord answers for a command it stores: ids, version, localisation nulls and spelled-out defaults. */
function asDiscordStores(command: object, index: number, guildId?: string): Json {
  const source = command as Json;
  const addOptionDefaults = (option: Json): Json => {
    const out: Json = { ...option, name_localizations: null, description_localizations: null };
    const isSubcommand = option.type === 1 || option.type === 2;
    if (!isSubcommand && out.required === undefined) out.required = false;
    if (Array.isArray(option.choices)) out.choices = option.choices.map((choice: Json) => ({ ...choice, name_localizations: null }));
    if (Array.isArray(option.options)) out.options = option.options.map((inner: Json) => addOptionDefaults(inner));
    return out;
  };
  const stored: Json = {
    id: `11000000000000000${index}`,
    application_id: '1000',
    version: `12000000000000000${index}`,
    type: 1,
    nsfw: false,
    dm_permission: true,
    default_member_permissions: null,
    name_localizations: null,
    description_localizations: null,
    ...source,
  };
  if (guildId) stored.guild_id = guildId;
  if (Array.isArray(source.options)) stored.options = source.options.map((option: Json) => addOptionDefaults(option));
  // Discord lists commands in its own order.
  return stored;
}

const remoteOf = (commands: readonly object[], guildId?: string): Json[] =>
  commands.map((command, index) => asDiscordStores(command, index, guildId)).reverse();

describe('sameCommands', () => {
  it('sees no difference once Discord has added its own fields and defaults', () => {
    expect(sameCommands(local, remoteOf(local))).toBe(true);
    expect(sameCommands(local, remoteOf(local, '555'))).toBe(true);
  });

  it('ignores empty localisation maps and key order', () => {
    const remote = remoteOf(local).map((command) => {
      const reordered = Object.fromEntries(Object.entries(command).reverse());
      return { ...reordered, name_localizations: {} };
    });
    expect(sameCommands(local, remote)).toBe(true);
  });

  it('notices a changed description', () => {
    const remote = remoteOf(local);
    const imagine = remote.find((command) => command.name === 'imagine');
    if (!imagine) throw new Error('missing');
    imagine.description = 'An older description';
    expect(sameCommands(local, remote)).toBe(false);
  });

  it('notices a changed option description deep inside a subcommand group', () => {
    const changed = clone(local) as unknown as Json[];
    const admin = changed.find((command) => command.name === 'imagine-admin') as Json;
    const words = (admin.options as Json[]).find((option) => option.name === 'words') as Json;
    (words.options as Json[])[0] = { ...(words.options as Json[])[0], description: 'Different' };
    expect(sameCommands(changed, remoteOf(local))).toBe(false);
  });

  it('notices an added choice', () => {
    const remote = remoteOf(local);
    const imagine = remote.find((command) => command.name === 'imagine') as Json;
    const aspect = (imagine.options as Json[]).find((option) => option.name === 'aspect') as Json;
    aspect.choices = [...(aspect.choices as Json[]), { name: '5:4', value: '5:4', name_localizations: null }];
    expect(sameCommands(local, remote)).toBe(false);
  });

  it('notices changed or removed permissions', () => {
    const remote = remoteOf(local);
    const admin = remote.find((command) => command.name === 'imagine-admin') as Json;
    admin.default_member_permissions = '8';
    expect(sameCommands(local, remote)).toBe(false);
    admin.default_member_permissions = null;
    expect(sameCommands(local, remote)).toBe(false);
  });

  it('notices a changed max_length or a required flag turned off', () => {
    const remote = remoteOf(local);
    const imagine = remote.find((command) => command.name === 'imagine') as Json;
    const prompt = (imagine.options as Json[]).find((option) => option.name === 'prompt') as Json;
    prompt.max_length = 2000;
    expect(sameCommands(local, remote)).toBe(false);
    prompt.max_length = 3000;
    prompt.required = false;
    expect(sameCommands(local, remote)).toBe(false);
  });

  it('notices a changed context', () => {
    const remote = remoteOf(local);
    (remote[0] as Json).contexts = [0, 1];
    expect(sameCommands(local, remote)).toBe(false);
  });

  it('notices a missing, an extra or a renamed command', () => {
    expect(sameCommands(local, remoteOf(local.slice(1)))).toBe(false);
    expect(sameCommands(local.slice(1), remoteOf(local))).toBe(false);
    const renamed = remoteOf(local);
    (renamed[0] as Json).name = 'imagine-old';
    expect(sameCommands(local, renamed)).toBe(false);
    expect(sameCommands(local, [])).toBe(false);
  });
});

interface Recorded {
  method: string;
  path: string;
  body: unknown;
  authorization: string | undefined;
}

/** A tiny Discord: GET returns the stored list for a route, PUT replaces it. */
class FakeDiscord {
  readonly requests: Recorded[] = [];
  readonly stored = new Map<string, Json[]>();
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  failReads = false;

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').replace(/^\/api\/v\d+/, '');
    const body: unknown = text ? JSON.parse(text) : undefined;
    this.requests.push({ method: req.method ?? '', path, body, authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET') {
      if (this.failReads) {
        res.statusCode = 403;
        res.end(JSON.stringify({ message: 'Missing Access', code: 50001 }));
        return;
      }
      res.end(JSON.stringify(this.stored.get(path.split('?')[0] ?? path) ?? []));
      return;
    }
    if (req.method === 'PUT') {
      const guildId = /\/guilds\/(\d+)\//.exec(path)?.[1];
      const saved = remoteOf(body as object[], guildId);
      this.stored.set(path, saved);
      res.end(JSON.stringify(saved));
      return;
    }
    res.statusCode = 405;
    res.end(JSON.stringify({ message: '405: Method Not Allowed', code: 0 }));
  }
}

describe('registerCommands', () => {
  const discord = new FakeDiscord();
  const logLines: Json[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString('utf8')) as Json);
        done();
      },
    }),
  });
  let rest: REST;

  beforeAll(async () => {
    const api = await discord.start();
    rest = new REST({ api, retries: 0 }).setToken('t');
  });

  afterAll(async () => {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
    await discord.stop();
  });

  beforeEach(() => {
    discord.failReads = false;
    discord.requests.length = 0;
    discord.stored.clear();
    logLines.length = 0;
  });

  it('publishes globally with a GET then a PUT when Discord has nothing', async () => {
    const result = await registerCommands(rest, { applicationId: '1000', guildId: undefined }, local, logger);
    expect(result).toBe('updated');
    expect(discord.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /applications/1000/commands?with_localizations=true',
      'PUT /applications/1000/commands',
    ]);
    expect(discord.requests[1]?.body).toEqual(JSON.parse(JSON.stringify(local)));
    expect(discord.requests[0]?.authorization).toBe('Bot t');
    expect(logLines.some((line) => line.msg === 'commands registered' && line.scope === 'global')).toBe(true);
  });

  it('does not PUT again when Discord already holds the same commands', async () => {
    await registerCommands(rest, { applicationId: '1000', guildId: undefined }, local, logger);
    discord.requests.length = 0;
    const result = await registerCommands(rest, { applicationId: '1000', guildId: undefined }, local, logger);
    expect(result).toBe('unchanged');
    expect(discord.requests.map((request) => request.method)).toEqual(['GET']);
    expect(logLines.some((line) => line.msg === 'commands already registered')).toBe(true);
  });

  it('publishes anyway when the registered commands cannot be read', async () => {
    discord.failReads = true;
    const result = await registerCommands(rest, { applicationId: '1000', guildId: undefined }, local, logger);
    expect(result).toBe('updated');
    expect(discord.requests.map((request) => request.method)).toEqual(['GET', 'PUT']);
    expect(logLines.some((line) => line.msg === 'could not read the registered commands; publishing them')).toBe(true);
  });

  it('uses the guild route when a guild id is set', async () => {
    const target = { applicationId: '1000', guildId: '4242' };
    expect(await registerCommands(rest, target, local, logger)).toBe('updated');
    expect(await registerCommands(rest, target, local, logger)).toBe('unchanged');
    expect(discord.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /applications/1000/guilds/4242/commands?with_localizations=true',
      'PUT /applications/1000/guilds/4242/commands',
      'GET /applications/1000/guilds/4242/commands?with_localizations=true',
    ]);
    expect(discord.stored.has('/applications/1000/commands')).toBe(false);
  });

  it('PUTs the whole list when one command changed', async () => {
    await registerCommands(rest, { applicationId: '1000', guildId: undefined }, local, logger);
    discord.requests.length = 0;
    const changed = clone(local);
    const first = changed[0];
    if (!first) throw new Error('no commands');
    first.description = 'A new description';
    expect(await registerCommands(rest, { applicationId: '1000', guildId: undefined }, changed, logger)).toBe('updated');
    expect(discord.requests.map((request) => request.method)).toEqual(['GET', 'PUT']);
    expect(discord.requests[1]?.body).toEqual(JSON.parse(JSON.stringify(changed)));
  });
});
