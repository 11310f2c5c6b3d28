import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../src/discord/multipart.js';

/** Parses with undici's standards-following form-data parser, as a server would. */
async function parse(body: Buffer, contentType: string): Promise<FormData> {
  return new Response(body, { headers: { 'content-type': contentType } }).formData();
}

describe('encodeMultipart', () => {
  it('puts payload_json and the files in a form any parser reads back byte for byte', async () => {
    const image = randomBytes(256 * 1024);
    const second = Buffer.from('plain text\r\n--not-a-boundary\r\n');
    const payload = JSON.stringify({ content: 'ünïcödé ✓', attachments: [{ id: 0, filename: 'a.jpg' }] });
    const { body, contentType } = encodeMultipart(payload, [
      { field: 'files[0]', filename: 'a.jpg', contentType: 'image/jpeg', data: image },
      { field: 'files[1]', filename: 'b.txt', contentType: 'text/plain', data: second },
    ]);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=imagine-[0-9a-f]{32}$/);
    const form = await parse(body, contentType);
    expect(form.get('payload_json')).toBe(payload);
    const first = form.get('files[0]') as File;
    expect(first.name).toBe('a.jpg');
    expect(first.type).toBe('image/jpeg');
    expect(Buffer.from(await first.arrayBuffer()).equals(image)).toBe(true);
    expect(Buffer.from(await (form.get('files[1]') as File).arrayBuffer()).equals(second)).toBe(true);
  });

  it('escapes quotes and line breaks in file names so they cannot break the part headers', async () => {
    const { body, contentType } = encodeMultipart('{}', [
      { field: 'files[0]', filename: 'evil".jpg\r\nX-Injected: 1', contentType: 'image/jpeg', data: Buffer.from([1, 2, 3]) },
    ]);
    expect(body.toString('latin1')).not.toContain('\r\nX-Injected');
    const file = (await parse(body, contentType)).get('files[0]') as File;
    // Parsers that follow the HTML form-data rules (undici's does) decode the escapes again.
    expect(file.name).toBe('evil".jpg\r\nX-Injected: 1');
    expect(file.size).toBe(3);
  });

  it('uses a fresh boundary each time', () => {
    const a = encodeMultipart('{}', []).contentType;
    const b = encodeMultipart('{}', []).contentType;
    expect(a).not.toBe(b);
  });
});
