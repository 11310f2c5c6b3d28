import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';

/** A health answer: its status decides 200 or 503; the whole object is the JSON body. */
export interface HealthAnswer {
  status: 'ok' | 'unavailable';
}

/** Prometheus text and its content type. */
export interface MetricsText {
  contentType: string;
  body: string;
}

export interface OpsServerOptions {
  port: number;
  host: string;
  health: () => Promise<HealthAnswer>;
  metrics: () => Promise<MetricsText>;
  logger: Logger;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves GET /healthz (200, or 503 naming what fails; JSON) and GET /metrics (Prometheus text) for a
 * supervisor, a container health check and Prometheus. Nothing else; it reads, never changes, the bot.
 */
export async function startOpsServer({ port, host, health, metrics, logger }: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://bot.local').pathname;
    const respond = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path !== '/healthz' && path !== '/metrics') return respond(404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return respond(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const answer =
      path === '/healthz'
        ? health().then((report) => respond(report.status === 'ok' ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`))
        : metrics().then((text) => respond(200, text.contentType, text.body));
    answer.catch((error: unknown) => {
      logger.error({ err: error, path }, 'ops endpoint failed');
      if (!res.headersSent) respond(500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new Error(`HEALTH_PORT ${port} on HEALTH_HOST ${host} cannot be used (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  const bound = (server.address() as AddressInfo).port;
  logger.info({ host, port: bound }, 'health and metrics listening');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
