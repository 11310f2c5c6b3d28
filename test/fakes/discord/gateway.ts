/** The gateway: HELLO/IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME with replay, per-shard dispatch. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { deflateSync } from 'node:zlib';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { isRecord } from './json.js';

const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

export const CloseCode = {
  UnknownError: 4000,
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidShard: 4010,
  InvalidApiVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

/** GuildPresences | GuildMembers | MessageContent */
const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);
const REPLAY_LOG_LIMIT = 1000;

interface LoggedEvent {
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  shardId: number;
  seq: number;
  log: LoggedEvent[];
  connection: Connection | null;
}

interface Connection {
  ws: WebSocket;
  session: Session | null;
  compress: boolean;
}

export interface GatewayOptions {
  token: string;
  shardCount: number;
  heartbeatIntervalMs: number;
  privilegedIntents: number;
  gatewayUrl: () => string;
  /** READY `d` for a new session (without session_id/shard, added here). */
  readyData: (shardId: number) => Record<string, unknown>;
  /** GUILD_CREATE payloads for the guilds a shard owns. */
  guildCreates: (shardId: number) => Record<string, unknown>[];
  onChange: () => void;
}


function stripBotPrefix(token: unknown): unknown {
  return typeof token === 'string' ? token.replace(/^Bot\s+/i, '') : token;
}

export class FakeGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly sessions = new Map<string, Session>();
  private closed = false;

  constructor(private readonly options: GatewayOptions) {}

  /** Takes every WebSocket upgrade of `server` (Discord serves the gateway at the root path). */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
    });
  }

  /** Sends (or buffers for RESUME) a dispatch to every session of `shardId`; returns how many sessions got it. */
  dispatch(shardId: number, event: string, data: unknown): number {
    let sessions = 0;
    for (const session of this.sessions.values()) {
      if (session.shardId !== shardId) continue;
      this.sendDispatch(session, event, data);
      sessions += 1;
    }
    return sessions;
  }

  /** Shards with an open, identified (or resumed) connection. */
  connectedShards(): number[] {
    const shards = new Set<number>();
    for (const session of this.sessions.values()) if (session.connection) shards.add(session.shardId);
    return [...shards].sort((a, b) => a - b);
  }

  /** Closes the connections of a shard; the session stays resumable. */
  disconnectShard(shardId: number, closeCode: number = CloseCode.UnknownError): void {
    for (const connection of this.connections) {
      if (connection.session?.shardId === shardId) connection.ws.close(closeCode, 'Disconnected by fake Discord');
    }
  }

  close(): Promise<void> {
    this.closed = true;
    for (const connection of this.connections) connection.ws.terminate();
    this.connections.clear();
    this.sessions.clear();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const connection: Connection = { ws, session: null, compress: false };
    this.connections.add(connection);
    ws.on('message', (raw: RawData, isBinary: boolean) => this.onMessage(connection, raw, isBinary));
    ws.on('close', (code: number) => this.onClose(connection, code));
    ws.on('error', () => ws.terminate());
    const query = new URL(req.url ?? '/', 'ws://fake-discord.local').searchParams;
    const version = query.get('v');
    if (version !== null && version !== '10' && version !== '9') {
      ws.close(CloseCode.InvalidApiVersion, 'Invalid API version.');
      return;
    }
    const encoding = query.get('encoding');
    if (encoding !== null && encoding !== 'json') {
      ws.close(CloseCode.DecodeError, 'Error while decoding payload.');
      return;
    }
    this.send(connection, { op: Op.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ['["fake-gateway",{}]'] }, s: null, t: null });
  }

  private onClose(connection: Connection, code: number): void {
    this.connections.delete(connection);
    const session = connection.session;
    if (session?.connection === connection) {
      session.connection = null;
      // A client that closes with 1000/1001 ends its session; other closes leave it resumable.
      if (code === 1000 || code === 1001) this.sessions.delete(session.id);
    }
    this.options.onChange();
  }

  private onMessage(connection: Connection, raw: RawData, isBinary: boolean): void {
    let payload: unknown;
    try {
      const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8');
      payload = isBinary ? undefined : JSON.parse(text);
    } catch {
      payload = undefined;
    }
    if (!isRecord(payload) || typeof payload['op'] !== 'number') {
      connection.ws.close(CloseCode.DecodeError, 'Error while decoding payload.');
      return;
    }
    const d = payload['d'];
    switch (payload['op']) {
      case Op.Heartbeat:
        this.send(connection, { op: Op.HeartbeatAck, d: null, s: null, t: null });
        return;
      case Op.Identify:
        this.identify(connection, d);
        return;
      case Op.Resume:
        this.resume(connection, d);
        return;
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestGuildMembers:
      case Op.RequestSoundboardSounds:
        if (!connection.session) connection.ws.close(CloseCode.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        connection.ws.close(CloseCode.UnknownOpcode, 'Unknown opcode.');
    }
  }

  /** The checks IDENTIFY and RESUME share: no session yet on this socket, and the bot's token. */
  private authenticates(connection: Connection, d: unknown): d is Record<string, unknown> {
    if (connection.session) {
      connection.ws.close(CloseCode.AlreadyAuthenticated, 'Already authenticated.');
      return false;
    }
    if (!isRecord(d) || stripBotPrefix(d['token']) !== this.options.token) {
      connection.ws.close(CloseCode.AuthenticationFailed, 'Authentication failed.');
      return false;
    }
    return true;
  }

  private identify(connection: Connection, d: unknown): void {
    if (!this.authenticates(connection, d)) return;
    const intents = d['intents'];
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0 || intents >= 2 ** 26) {
      connection.ws.close(CloseCode.InvalidIntents, 'Invalid intent(s).');
      return;
    }
    if ((intents & PRIVILEGED_INTENTS & ~this.options.privilegedIntents) !== 0) {
      connection.ws.close(CloseCode.DisallowedIntents, 'Disallowed intent(s).');
      return;
    }
    const shard = d['shard'] ?? [0, 1];
    const [shardId, shardCount] = Array.isArray(shard) ? shard : [];
    if (typeof shardId !== 'number' || typeof shardCount !== 'number' || shardId < 0 || shardId >= shardCount) {
      connection.ws.close(CloseCode.InvalidShard, 'Invalid shard.');
      return;
    }
    // Stricter than Discord (which only needs enough shards): a count other than /gateway/bot's is a bug here.
    if (shardCount !== this.options.shardCount) {
      connection.ws.close(CloseCode.InvalidShard, 'Invalid shard.');
      return;
    }
    connection.compress = d['compress'] === true;
    const session: Session = { id: randomBytes(16).toString('hex'), shardId, seq: 0, log: [], connection };
    connection.session = session;
    this.sessions.set(session.id, session);
    this.sendDispatch(session, 'READY', {
      ...this.options.readyData(shardId),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.options.gatewayUrl(),
      shard: [shardId, shardCount],
    });
    for (const guild of this.options.guildCreates(shardId)) this.sendDispatch(session, 'GUILD_CREATE', guild);
    this.options.onChange();
  }

  private resume(connection: Connection, d: unknown): void {
    if (!this.authenticates(connection, d)) return;
    const session = typeof d['session_id'] === 'string' ? this.sessions.get(d['session_id']) : undefined;
    const seq = typeof d['seq'] === 'number' ? d['seq'] : 0;
    const replay = session?.log.filter((event) => event.s > seq);
    const replayable = session !== undefined && replay !== undefined && (replay[0]?.s ?? session.seq + 1) <= seq + 1;
    if (!session || !replayable) {
      this.send(connection, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    session.connection?.ws.close(CloseCode.UnknownError, 'Session resumed elsewhere.');
    session.connection = connection;
    connection.session = session;
    for (const event of replay) this.send(connection, { op: Op.Dispatch, t: event.t, s: event.s, d: event.d });
    this.sendDispatch(session, 'RESUMED', { _trace: ['["fake-gateway",{}]'] });
    this.options.onChange();
  }

  private sendDispatch(session: Session, event: string, data: unknown): void {
    session.seq += 1;
    session.log.push({ s: session.seq, t: event, d: data });
    if (session.log.length > REPLAY_LOG_LIMIT) session.log.shift();
    if (session.connection) this.send(session.connection, { op: Op.Dispatch, t: event, s: session.seq, d: data });
  }

  private send(connection: Connection, payload: unknown): void {
    if (connection.ws.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(payload);
    // IDENTIFY `compress: true` asks for each payload zlib-deflated in a binary frame.
    if (connection.compress) connection.ws.send(deflateSync(text));
    else connection.ws.send(text);
  }
}
