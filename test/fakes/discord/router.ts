/** Matches REST paths such as `/channels/:id/messages` against the decoded path segments. */
import type { ParsedBody } from './http-io.js';

export interface RouteRequest {
  method: string;
  params: string[];
  query: Record<string, string>;
  headers: Record<string, string>;
  body: ParsedBody;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
}

export interface Route {
  method: string;
  /** e.g. `/webhooks/:app/:token/messages/:message`; `:x` captures one segment. */
  pattern: string;
  /** Requires `Authorization: Bot <token>`. */
  auth: boolean;
  handle: (req: RouteRequest) => RouteResponse | Promise<RouteResponse>;
}

export type RouteMatch = { kind: 'found'; route: Route; params: string[] } | { kind: 'wrong-method' } | { kind: 'none' };

function matchPattern(pattern: string, segments: readonly string[]): string[] | undefined {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: string[] = [];
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) params.push(segment);
    else if (part !== segment) return undefined;
  }
  return params;
}

export function matchRoute(routes: readonly Route[], method: string, segments: readonly string[]): RouteMatch {
  let pathMatched = false;
  for (const route of routes) {
    const params = matchPattern(route.pattern, segments);
    if (!params) continue;
    if (route.method === method) return { kind: 'found', route, params };
    pathMatched = true;
  }
  return pathMatched ? { kind: 'wrong-method' } : { kind: 'none' };
}

/** Returns the i-th captured segment (routes always capture what their pattern declares). */
export function param(req: RouteRequest, index: number): string {
  return req.params[index] ?? '';
}
