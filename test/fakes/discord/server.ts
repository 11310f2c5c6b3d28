/** The REST side: node:http request → fault / route / auth → Discord-shaped JSON answer, every request recorded. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DiscordApiError, methodNotAllowed, notFound, unauthorized } from './errors.js';
import type { FaultInjector } from './faults.js';
import { flattenHeaders, parseBody, readRawBody, sendJson, type ParsedBody } from './http-io.js';
import { matchRoute, type Route, type RouteResponse } from './router.js';
import type { DiscordState } from './state.js';
import type { RecordedRequest } from './types.js';
import { specErrorTree, type SpecConformance, type SpecViolation } from './spec-conformance.js';

export interface RestHandlerDeps {
  state: DiscordState;
  routes: Route[];
  faults: FaultInjector;
  /** Holds every body to Discord's OpenAPI description; a violation is answered 400 50035, as Discord would. */
  conformance: Pick<SpecConformance, 'check'>;
  onSpecViolations: (violations: SpecViolation[]) => void;
  record: (request: RecordedRequest) => void;
}

interface ParsedUrl {
  /** Path segments after `/api[/vN]`, percent-decoded; undefined when outside the API. */
  segments: string[] | undefined;
  rawSegments: string[];
  query: Record<string, string>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function parseUrl(url: string): ParsedUrl {
  const parsed = new URL(url, 'http://fake-discord.local');
  const rawSegments = parsed.pathname.split('/').filter(Boolean);
  const query = Object.fromEntries(parsed.searchParams.entries());
  if (rawSegments[0] !== 'api') return { segments: undefined, rawSegments, query };
  const afterApi = rawSegments.slice(1);
  const versioned = /^v\d+$/.test(afterApi[0] ?? '') ? afterApi.slice(1) : afterApi;
  return { segments: versioned.map(decodeSegment), rawSegments, query };
}

export function createRestHandler(deps: RestHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { state, routes, faults } = deps;

  const answer = async (
    method: string,
    segments: string[],
    path: string,
    request: { query: Record<string, string>; headers: Record<string, string>; body: ParsedBody },
  ): Promise<RouteResponse & { headers?: Record<string, string> }> => {
    const fault = faults.take(method, path);
    if (fault) return fault;
    const match = matchRoute(routes, method, segments);
    if (match.kind === 'none') throw notFound();
    if (match.kind === 'wrong-method') throw methodNotAllowed();
    if (match.route.auth && request.headers['authorization'] !== `Bot ${state.config.token}`) throw unauthorized();
    if (request.body.json !== undefined) {
      const violations = deps.conformance.check(method, segments, request.body.json);
      if (violations.length > 0) {
        deps.onSpecViolations(violations);
        specErrorTree(violations).throwIfAny();
      }
    }
    return match.route.handle({ method, params: match.params, ...request });
  };

  const serveAttachment = (res: ServerResponse, rawSegments: string[], query: Record<string, string>): void => {
    const [, channelId = '', attachmentId = ''] = rawSegments;
    const attachment = state.findAttachment(channelId, attachmentId);
    if (!attachment || !state.attachmentUrlValid(channelId, attachmentId, query)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found');
      return;
    }
    res.writeHead(200, {
      'content-type': attachment.contentType ?? 'application/octet-stream',
      'content-length': String(attachment.bytes.length),
    });
    res.end(attachment.bytes);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const { segments, rawSegments, query } = parseUrl(req.url ?? '/');
    const raw = await readRawBody(req);
    if (segments === undefined) {
      if (method === 'GET' && rawSegments[0] === 'attachments') serveAttachment(res, rawSegments, query);
      else sendJson(res, 404, { message: '404: Not Found', code: 0 });
      return;
    }
    const path = `/${segments.join('/')}`;
    const headers = flattenHeaders(req);
    const at = state.config.now();
    let body: ParsedBody = { files: [] };
    let status: number;
    try {
      body = await parseBody(raw, headers['content-type']);
      const result = await answer(method, segments, path, { query, headers, body });
      status = result.status;
      sendJson(res, result.status, result.body, result.headers);
    } catch (error) {
      if (error instanceof DiscordApiError) {
        status = error.status;
        sendJson(res, error.status, error.body, error.headers);
      } else {
        console.error('fake Discord: handler failed', method, path, error);
        status = 500;
        sendJson(res, 500, { message: '500: Internal Server Error', code: 0 });
      }
    }
    deps.record({
      method,
      path,
      query,
      headers,
      ...(body.json === undefined ? {} : { json: body.json }),
      files: body.files,
      status,
      at,
    });
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('fake Discord: request failed', error);
      if (!res.headersSent) sendJson(res, 500, { message: '500: Internal Server Error', code: 0 });
      else res.destroy();
    });
  };
}
