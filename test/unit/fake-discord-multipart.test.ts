import { randomBytes } from 'node:crypto';
import { FormData, Request, Response } from 'undici';
import { describe, expect, it } from 'vitest';
import { DiscordApiError } from '../fakes/discord/errors.js';
import { parseBody, type ParsedBody } from '../fakes/discord/http-io.js';
import { rejectionOf } from '../helpers/rejection.js';

/** The fake Discord's hand-written multipart/form-data parser (RFC 7578), checked against undici's bodies. */

const BOUNDARY = 'fake-boundary-0123456789';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** Builds a body the way the bot will by hand: `payload_json` first, then the file parts. */
function handBuilt(parts: { headers: string[]; body: Buffer | string }[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n`));
    chunks.push(typeof part.body === 'string' ? Buffer.from(part.body) : part.body);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

async function serialize(form: FormData): Promise<{ raw: Buffer; contentType: string }> {
  const response = new Response(form);
  const contentType = response.headers.get('content-type') ?? '';
  return { raw: Buffer.from(await response.arrayBuffer()), contentType };
}

/** Bytes as base64, so deep equality does not walk buffers element by element. */
function comparable(parsed: ParsedBody): unknown {
  return { ...parsed, files: parsed.files.map((file) => ({ ...file, bytes: file.bytes.toString('base64') })) };
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, DiscordApiError);

describe('fake Discord multipart parser', () => {
  it('round-trips a discord.js-style body built by undici FormData', async () => {
    const bytes = randomBytes(1024 * 1024);
    const payload = { content: 'héllo', attachments: [{ id: 0, filename: 'image.png' }] };
    const form = new FormData();
    form.append('files[0]', new Blob([bytes], { type: 'image/png' }), 'image.png');
    form.append('files[1]', new Blob([Buffer.from('second')]), 'notes.txt');
    form.append('payload_json', JSON.stringify(payload));
    const { raw, contentType } = await serialize(form);

    const parsed = await parseBody(raw, contentType);

    expect(parsed.json).toEqual(payload);
    expect(parsed.files.map(({ name, filename, contentType: type }) => ({ name, filename, type }))).toEqual([
      { name: 'files[0]', filename: 'image.png', type: 'image/png' },
      { name: 'files[1]', filename: 'notes.txt', type: 'application/octet-stream' },
    ]);
    expect(parsed.files[0]?.bytes.equals(bytes)).toBe(true);
    expect(parsed.files[1]?.bytes.toString()).toBe('second');
  });

  it("agrees with undici's own FormData parser, including escaped filenames", async () => {
    const form = new FormData();
    form.append('payload_json', JSON.stringify({ content: 'x' }));
    form.append('files[0]', new Blob([randomBytes(4096)], { type: 'image/webp' }), 'say "hi"\r\n.webp');
    const { raw, contentType } = await serialize(form);

    const parsed = await parseBody(raw, contentType);
    const reference = await new Request('http://fake.local/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    const file = reference.get('files[0]');
    if (file === null || typeof file === 'string') throw new Error('expected a file entry');

    expect(parsed.json).toEqual(JSON.parse(String(reference.get('payload_json'))));
    expect(parsed.files[0]?.filename).toBe(file.name);
    expect(parsed.files[0]?.filename).toBe('say "hi"\r\n.webp');
    expect(parsed.files[0]?.contentType).toBe(file.type);
    expect(parsed.files[0]?.bytes.equals(Buffer.from(await file.arrayBuffer()))).toBe(true);
  });

  it('parses a hand-built body identically to the undici one', async () => {
    const bytes = randomBytes(64 * 1024);
    const payload = { content: 'done', attachments: [{ id: 0, filename: 'out.png' }] };
    const raw = handBuilt([
      {
        headers: ['Content-Disposition: form-data; name="payload_json"', 'Content-Type: application/json'],
        body: JSON.stringify(payload),
      },
      {
        headers: ['Content-Disposition: form-data; name="files[0]"; filename="out.png"', 'Content-Type: image/png'],
        body: bytes,
      },
    ]);
    const form = new FormData();
    form.append('payload_json', JSON.stringify(payload));
    form.append('files[0]', new Blob([bytes], { type: 'image/png' }), 'out.png');
    const viaUndici = await serialize(form);

    const parsed = await parseBody(raw, CONTENT_TYPE);

    expect(comparable(parsed)).toEqual(comparable(await parseBody(viaUndici.raw, viaUndici.contentType)));
    expect(parsed.json).toEqual(payload);
    expect(parsed.files).toHaveLength(1);
    expect(parsed.files[0]).toMatchObject({ name: 'files[0]', filename: 'out.png', contentType: 'image/png' });
    expect(parsed.files[0]?.bytes.equals(bytes)).toBe(true);
  });

  it('accepts a quoted boundary, a preamble, case-insensitive headers and an empty file', async () => {
    const boundary = 'quoted boundary';
    const body = handBuilt(
      [
        { headers: ['content-disposition: FORM-DATA; NAME="payload_json"'], body: '{"content":"a"}' },
        { headers: ['CONTENT-DISPOSITION: form-data; name=files[0]; filename=empty.bin'], body: '' },
      ],
      boundary,
    );
    const raw = Buffer.concat([Buffer.from('preamble to ignore\r\n'), body, Buffer.from('epilogue')]);

    const parsed = await parseBody(raw, `Multipart/Form-Data; charset=utf-8; boundary="${boundary}"`);

    expect(parsed.json).toEqual({ content: 'a' });
    expect(parsed.files).toEqual([
      { name: 'files[0]', filename: 'empty.bin', contentType: 'application/octet-stream', bytes: Buffer.alloc(0) },
    ]);
  });

  it('unescapes quoted filenames with backslash-escaped quotes', async () => {
    const raw = handBuilt([
      {
        headers: [
          'Content-Disposition: form-data; name="files[0]"; filename="my \\"best\\" pic; v2.png"',
          'Content-Type: image/png',
        ],
        body: 'png',
      },
    ]);

    const parsed = await parseBody(raw, CONTENT_TYPE);

    expect(parsed.files[0]?.filename).toBe('my "best" pic; v2.png');
    expect(parsed.json).toBeUndefined();
  });

  it('collects string fields into json when there is no payload_json', async () => {
    const raw = handBuilt([
      { headers: ['Content-Disposition: form-data; name="content"'], body: 'héllo\r\nworld' },
      { headers: ['Content-Disposition: form-data; name="tts"'], body: 'false' },
      { headers: ['Content-Disposition: form-data; name="file"; filename="a.txt"'], body: 'abc' },
    ]);

    const parsed = await parseBody(raw, CONTENT_TYPE);

    expect(parsed.json).toEqual({ content: 'héllo\r\nworld', tts: 'false' });
    expect(parsed.files.map((file) => file.name)).toEqual(['file']);
  });

  it('answers 400 for malformed bodies', async () => {
    const good = handBuilt([{ headers: ['Content-Disposition: form-data; name="payload_json"'], body: '{}' }]);
    const cases: [string, Buffer, string][] = [
      ['no boundary parameter', good, 'multipart/form-data'],
      ['boundary never appears', good, 'multipart/form-data; boundary=other'],
      ['missing closing delimiter', good.subarray(0, good.length - '--\r\n'.length), CONTENT_TYPE],
      ['closing delimiter absent', good.subarray(0, good.length - `--${BOUNDARY}--\r\n`.length), CONTENT_TYPE],
      ['truncated inside a part', good.subarray(0, good.length - 12), CONTENT_TYPE],
      [
        'part without blank line',
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n--${BOUNDARY}--\r\n`),
        CONTENT_TYPE,
      ],
      ['part without a name', handBuilt([{ headers: ['Content-Type: text/plain'], body: 'x' }]), CONTENT_TYPE],
      ['garbage after a boundary', Buffer.from(`--${BOUNDARY}junk\r\n`), CONTENT_TYPE],
    ];
    for (const [label, raw, contentType] of cases) {
      const error = await rejection(parseBody(raw, contentType));
      expect({ label, status: error.status, body: error.body }).toEqual({
        label,
        status: 400,
        body: { message: '400: Bad Request', code: 0 },
      });
    }
  });

  it('answers invalid JSON for a broken payload_json', async () => {
    const raw = handBuilt([{ headers: ['Content-Disposition: form-data; name="payload_json"'], body: '{nope' }]);

    const error = await rejection(parseBody(raw, CONTENT_TYPE));

    expect(error.status).toBe(400);
    expect(error.body).toMatchObject({ code: 50109 });
  });
});
