/** /applications/{app}/commands and /applications/{app}/guilds/{guild}/commands. */
import { withoutLocalizations } from './commands.js';
import { missingAccess } from './errors.js';
import type { Route, RouteRequest } from './router.js';
import type { DiscordState } from './state.js';

export function commandRoutes(state: DiscordState): Route[] {
  /** Resolves `[app, guild?, command?]` params; another app's id or a guild the bot is not in → 403 Missing Access. */
  const scope = (req: RouteRequest, hasGuild: boolean) => {
    const [app = '', second, third] = req.params;
    if (app !== state.config.applicationId) throw missingAccess();
    const guildId = hasGuild ? second : undefined;
    if (guildId !== undefined && !state.guilds.has(guildId)) throw missingAccess();
    return { guildId, commandId: (hasGuild ? third : second) ?? '' };
  };
  const routes: Route[] = [];
  for (const [base, hasGuild] of [
    ['/applications/:app/commands', false],
    ['/applications/:app/guilds/:guild/commands', true],
  ] as const) {
    routes.push(
      {
        method: 'GET',
        pattern: base,
        auth: true,
        handle: (req) => {
          const { guildId } = scope(req, hasGuild);
          const commands = state.commands.list(guildId);
          const full = req.query['with_localizations'] === 'true';
          return { status: 200, body: full ? commands : commands.map(withoutLocalizations) };
        },
      },
      {
        method: 'PUT',
        pattern: base,
        auth: true,
        handle: (req) => ({ status: 200, body: state.commands.overwrite(req.body.json, scope(req, hasGuild).guildId) }),
      },
      {
        method: 'POST',
        pattern: base,
        auth: true,
        handle: (req) => {
          const { command, created } = state.commands.upsert(req.body.json, scope(req, hasGuild).guildId);
          return { status: created ? 201 : 200, body: command };
        },
      },
      {
        method: 'GET',
        pattern: `${base}/:command`,
        auth: true,
        handle: (req) => {
          const { guildId, commandId } = scope(req, hasGuild);
          return { status: 200, body: withoutLocalizations(state.commands.get(commandId, guildId)) };
        },
      },
      {
        method: 'PATCH',
        pattern: `${base}/:command`,
        auth: true,
        handle: (req) => {
          const { guildId, commandId } = scope(req, hasGuild);
          return { status: 200, body: state.commands.edit(commandId, req.body.json, guildId) };
        },
      },
      {
        method: 'DELETE',
        pattern: `${base}/:command`,
        auth: true,
        handle: (req) => {
          const { guildId, commandId } = scope(req, hasGuild);
          state.commands.delete(commandId, guildId);
          return { status: 204 };
        },
      },
    );
  }
  return routes;
}
