import { Pool } from 'undici';
import WebSocket from 'ws';

/**
 * The rig's floor without any Discord library: one gateway socket and a keep-alive HTTP pool, acknowledging
 * each INTERACTION_CREATE straight from the raw event. What floor-bot.ts measures above this is discord.js;
 * what remains is the fakes and the machine, which no bot can go below.
 */
const api = new URL(process.env.DISCORD_API_URL!);
const token = process.env.DISCORD_TOKEN!;
const apiPath = api.pathname.replace(/\/$/, '');
const http = new Pool(api.origin, { connections: 64 });

const gateway = (await (await fetch(`${api.href.replace(/\/$/, '')}/v10/gateway/bot`, { headers: { authorization: `Bot ${token}` } })).json()) as { url: string };
const socket = new WebSocket(`${gateway.url}?v=10&encoding=json`);
let sequence: number | null = null;

socket.on('message', (data: Buffer) => {
  const payload = JSON.parse(data.toString()) as { op: number; t: string | null; s: number | null; d: Record<string, unknown> };
  if (payload.s !== null) sequence = payload.s;
  if (payload.op === 10) {
    setInterval(() => socket.send(JSON.stringify({ op: 1, d: sequence })), Number(payload.d['heartbeat_interval']));
    socket.send(JSON.stringify({ op: 2, d: { token, intents: 1, properties: { os: 'linux', browser: 'bench', device: 'bench' } } }));
  } else if (payload.t === 'READY') {
    console.log(JSON.stringify({ msg: 'connected to Discord' }));
  } else if (payload.t === 'INTERACTION_CREATE') {
    const { id, token: interactionToken } = payload.d as { id: string; token: string };
    http
      .request({ method: 'POST', path: `${apiPath}/v10/interactions/${id}/${interactionToken}/callback`, headers: { 'content-type': 'application/json' }, body: '{"type":5}' })
      .then((response) => response.body.dump())
      .catch((error: unknown) => console.error(error));
  }
});
