import sharp from 'sharp';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeImages, FakeKie, TEN_MIB } from '../fakes/kie/index.js';

/** The fake KIE is what every higher-level test trusts, so its own behaviour is checked here over raw HTTP. */

const images = new FakeImages();
let fake: FakeKie;
let time: number;

beforeAll(async () => {
  await Promise.all([images.get('small'), images.get('large')]);
});

beforeEach(async () => {
  time = 1_000_000;
  fake = await FakeKie.start({ images, now: () => time });
});

afterEach(async () => {
  await fake.close();
});

const VALID = { model: 'seedream/4.5-text-to-image', input: { prompt: 'a cat', aspect_ratio: '1:1', quality: 'basic' } };

async function call(path: string, init: { method?: string; body?: unknown; key?: string | null | undefined } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key !== null) headers['authorization'] = `Bearer ${init.key ?? fake.apiKey}`;
  const response = await fetch(`${fake.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  return { status: response.status, type: response.headers.get('content-type'), json: (await response.json()) as Record<string, unknown> };
}

const create = (body: unknown = VALID, key?: string | null) => call('/api/v1/jobs/createTask', { method: 'POST', body, key });
const record = (taskId: string, key?: string) => call(`/api/v1/jobs/recordInfo?taskId=${taskId}`, { key });

async function createId(): Promise<string> {
  const answer = await create();
  return (answer.json['data'] as { taskId: string }).taskId;
}

describe('fake KIE', () => {
  it('answers a bad or missing key with HTTP 200 {code:401}', async () => {
    for (const key of ['wrong', null] as const) {
      const answer = await create(VALID, key);
      expect(answer).toMatchObject({ status: 200, type: 'application/json', json: { code: 401, msg: 'You do not have access permissions' } });
    }
    expect(fake.creates).toHaveLength(2);
    expect(fake.creates.every((entry) => entry.taskId === undefined)).toBe(true);
  });

  it.each([
    ['wrong model', { ...VALID, model: 'bytedance/seedream' }],
    ['no input', { model: VALID.model }],
    ['empty prompt', { ...VALID, input: { ...VALID.input, prompt: '' } }],
    ['prompt too long', { ...VALID, input: { ...VALID.input, prompt: 'x'.repeat(3001) } }],
    ['missing aspect_ratio', { ...VALID, input: { prompt: 'a', quality: 'basic' } }],
    ['bad aspect_ratio', { ...VALID, input: { ...VALID.input, aspect_ratio: '5:4' } }],
    ['missing quality', { ...VALID, input: { prompt: 'a', aspect_ratio: '1:1' } }],
    ['bad quality', { ...VALID, input: { ...VALID.input, quality: 'ultra' } }],
    ['not JSON', '{oops'],
  ])('rejects %s with {code:422}', async (_name, body) => {
    const answer = await create(body);
    expect(answer.status).toBe(200);
    expect(answer.json['code']).toBe(422);
    expect(typeof answer.json['msg']).toBe('string');
  });

  it('walks a task through its states on its clock and serves the record shape', async () => {
    const taskId = await createId();
    expect(taskId).toMatch(/^[0-9a-f]{32}$/);
    const data = async () => (await record(taskId)).json['data'] as Record<string, unknown>;

    expect(await data()).toMatchObject({ taskId, state: 'waiting', resultJson: null, completeTime: null, model: VALID.model });
    expect(JSON.parse((await data())['param'] as string)).toEqual(VALID);
    time += 200;
    expect((await data())['state']).toBe('generating');
    time += 400;
    const done = await data();
    expect(done).toMatchObject({ state: 'success', createTime: 1_000_000, completeTime: 1_000_600, costTime: 1, creditsConsumed: 6.5 });
    expect(JSON.parse(done['resultJson'] as string)).toEqual({ resultUrls: [`${fake.url}/files/small/${taskId}.png`] });
    expect(fake.task(taskId)).toMatchObject({ state: 'success', createdAt: 1_000_000, completedAt: 1_000_600 });
  });

  it('keeps "never" tasks running until completeTask, and fails tasks with their code', async () => {
    fake.setDefaultScenario({ outcome: 'never' });
    const stuck = await createId();
    time += 3_600_000;
    expect(fake.task(stuck)?.state).toBe('generating');
    fake.completeTask(stuck, 'fail');
    expect((await record(stuck)).json['data']).toMatchObject({ state: 'fail', failCode: '500', creditsConsumed: 0, resultJson: null });

    fake.nextCreate({ scenario: { states: [{ state: 'queuing', afterMs: 0 }, { state: 'fail', afterMs: 50 }], failCode: '400', failMsg: 'nsfw' } });
    const failing = await createId();
    time += 50;
    expect((await record(failing)).json['data']).toMatchObject({ state: 'fail', failCode: '400', failMsg: 'nsfw' });
  });

  it('answers an unknown task with {code:422, msg:"recordInfo is null"}', async () => {
    expect((await record('0'.repeat(32))).json).toEqual({ code: 422, msg: 'recordInfo is null', data: null });
  });

  it('enforces 20 creates per 10 s and 10 polls per second with HTTP 200 {code:429}', async () => {
    for (let i = 0; i < 20; i += 1) expect((await create()).json['code']).toBe(200);
    expect((await create()).json['code']).toBe(429);
    time += 10_000;
    expect((await create()).json['code']).toBe(200);
    expect(fake.rejected429.create).toBe(1);

    const taskId = fake.creates[0]!.taskId!;
    for (let i = 0; i < 10; i += 1) expect((await record(taskId)).json['code']).toBe(200);
    expect((await record(taskId)).json['code']).toBe(429);
    time += 1_000;
    expect((await record(taskId)).json['code']).toBe(200);
    expect(fake.rejected429.poll).toBe(1);
  });

  it("serves the benchmark's 4K image: a 4096x4096 PNG well above 10 MiB, with exact length", async () => {
    fake.nextCreate({ scenario: { image: '4k', durationMs: 0 } });
    const taskId = await createId();
    time += 600;
    const data = (await record(taskId)).json['data'] as { resultJson: string };
    const url = (JSON.parse(data.resultJson) as { resultUrls: string[] }).resultUrls[0]!;
    const response = await fetch(url);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.equals(await fake.imageBytes('4k'))).toBe(true);
    expect(bytes.length).toBeGreaterThan(2 * TEN_MIB);
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 4096, 4096]);
  }, 20_000);

  it('serves the credit balance', async () => {
    expect((await call('/api/v1/chat/credit')).json).toEqual({ code: 200, msg: 'success', data: 10_000 });
  });

  it('serves a real small PNG and a real PNG above 10 MiB, with exact length', async () => {
    fake.nextCreate({ scenario: { image: 'large', durationMs: 0 } });
    const large = await createId();
    const small = await createId();
    time += 600;
    for (const [taskId, kind] of [
      [small, 'small'],
      [large, 'large'],
    ] as const) {
      const data = (await record(taskId)).json['data'] as { resultJson: string };
      const url = (JSON.parse(data.resultJson) as { resultUrls: string[] }).resultUrls[0]!;
      const response = await fetch(url);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
      expect(bytes.equals(await fake.imageBytes(kind))).toBe(true);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('png');
      if (kind === 'large') {
        expect(bytes.length).toBeGreaterThan(TEN_MIB);
        expect([meta.width, meta.height]).toEqual([2000, 2000]);
      } else {
        expect([meta.width, meta.height]).toEqual([256, 256]);
      }
    }
    expect(fake.downloads.map((download) => download.path)).toEqual([`/files/small/${small}.png`, `/files/large/${large}.png`]);
  });

  it('serves html, 404, custom bytes and a slow trickle', async () => {
    const html = await fetch(`${fake.url}/files/html/x.png`);
    expect([html.status, html.headers.get('content-type')]).toEqual([200, 'text/html']);
    await html.arrayBuffer();
    const missing = await fetch(`${fake.url}/files/404/x.png`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();

    fake.nextCreate({ scenario: { image: { bytes: Buffer.from('GIF89a-ish'), contentType: 'image/gif' } } });
    const custom = await createId();
    const served = await fetch(`${fake.url}/files/custom/${custom}`);
    expect([served.headers.get('content-type'), Buffer.from(await served.arrayBuffer()).toString()]).toEqual(['image/gif', 'GIF89a-ish']);

  });

  it('trickles a slow image in small, spaced chunks', async () => {
    const slowFake = await FakeKie.start({ images, slowChunk: { bytes: 1024, intervalMs: 100 } });
    try {
      const started = Date.now();
      const response = await fetch(`${slowFake.url}/files/slow/x.png`);
      const chunks: Uint8Array[] = [];
      for await (const chunk of response.body!) chunks.push(chunk);
      const small = await slowFake.imageBytes('small');
      expect(Buffer.concat(chunks).equals(small)).toBe(true);
      expect(Number(response.headers.get('content-length'))).toBe(small.length);
      expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(small.length / 1024));
      expect(Date.now() - started).toBeGreaterThanOrEqual(Math.floor(small.length / 1024) * 100 - 20);
    } finally {
      await slowFake.close();
    }
  });

  it('can fail the next createTask calls in chosen ways, in order', async () => {
    fake.nextCreate({ code: 455, msg: 'maintenance' });
    fake.nextCreate({ httpStatus: 502, body: '<html>bad gateway</html>' });
    expect((await create()).json).toEqual({ code: 455, msg: 'maintenance', data: null });
    const gateway = await fetch(`${fake.url}/api/v1/jobs/createTask`, { method: 'POST', body: '{}' });
    expect([gateway.status, await gateway.text()]).toEqual([502, '<html>bad gateway</html>']);
    expect((await create()).json['code']).toBe(200);
    expect(fake.creates.map((entry) => entry.taskId === undefined)).toEqual([true, true, false]);
  });
});

describe('seedream/4.5-edit: KIE fetches every image_urls entry itself', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** A host for the pictures, as Discord's CDN would be: path → [content-type, bytes] (anything else 404). */
  async function host(files: Record<string, [string, Buffer]>): Promise<string> {
    const server = createServer((req, res) => {
      const file = files[req.url ?? ''];
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file[0], 'content-length': file[1].length }).end(file[1]);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const edit = (imageUrls: unknown) => ({ model: 'seedream/4.5-edit', input: { ...VALID.input, image_urls: imageUrls } });

  it('creates the task when each URL serves a picture, and its record names the edit model', async () => {
    const base = await host({ '/photo.png': ['image/png', await images.get('small')] });
    const answer = await create(edit([`${base}/photo.png`]));
    expect(answer.json).toMatchObject({ code: 200 });
    const taskId = (answer.json['data'] as { taskId: string }).taskId;
    expect(fake.creates[0]!.body).toEqual(edit([`${base}/photo.png`]));
    expect((await record(taskId)).json['data']).toMatchObject({ model: 'seedream/4.5-edit' });
  });

  it.each([
    ['no image_urls', undefined, 'image_urls is required'],
    ['an empty list', [], 'image_urls is required'],
    ['15 URLs', Array.from({ length: 15 }, (_, i) => `http://127.0.0.1:9/${i}.png`), 'at most 14'],
    ['a string that is no URL', ['photo.png'], 'image_urls[0] must be an http(s) URL'],
  ])('answers {code:422} for %s, without a task', async (_label, urls, words) => {
    const answer = await create(edit(urls));
    expect(answer.json).toMatchObject({ code: 422 });
    expect(String(answer.json['msg'])).toContain(words);
    expect(fake.creates[0]!.taskId).toBeUndefined();
  });

  it('answers {code:422} naming the entry for a 404, an HTML page, a fake PNG and a picture over 10 MB', async () => {
    const base = await host({
      '/page.html': ['text/html', Buffer.from('<html></html>')],
      '/fake.png': ['image/png', Buffer.from('not really a png')],
      '/huge.png': ['image/png', Buffer.concat([await images.get('small'), Buffer.alloc(TEN_MIB)])],
      '/ok.png': ['image/png', await images.get('small')],
    });
    for (const [path, words] of [
      ['/missing.png', 'HTTP 404'],
      ['/page.html', 'unsupported image type text/html'],
      ['/fake.png', 'not an image'],
      ['/huge.png', 'larger than 10 MB'],
    ] as const) {
      const answer = await create(edit([`${base}/ok.png`, `${base}${path}`]));
      expect(answer.json, path).toMatchObject({ code: 422 });
      expect(String(answer.json['msg']), path).toMatch(/^image_urls\[1\]: /);
      expect(String(answer.json['msg']), path).toContain(words);
    }
    expect(fake.creates.every((call) => call.taskId === undefined)).toBe(true);
  });
});
