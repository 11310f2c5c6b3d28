import type { IncomingMessage, ServerResponse } from 'node:http';
import { malformedJson, malformedMultipart } from './errors.js';
import type { RecordedFile } from './types.js';

export interface ParsedBody {
  json?: unknown;
  files: RecordedFile[];
}

export function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformedJson();
  }
}

/** JSON bodies, and multipart bodies (`payload_json` + `files[n]`, from discord.js or hand-built). */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { files: [] };
  if (/^\s*multipart\/form-data\s*(;|$)/i.test(contentType ?? '')) return parseMultipart(raw, contentType ?? '');
  return { json: parseJson(raw.toString('utf8')), files: [] };
}

const HEADERS_END = Buffer.from('\r\n\r\n');
/** UTF-8 without BOM, like the WHATWG multipart parser uses for string fields. */
const utf8 = new TextDecoder();

/** `a\"b` -> `a"b`; then undici's FormData escapes (`%22`, `%0D`, `%0A`), decoded as its own parser did. */
function unquote(quoted: string): string {
  return quoted
    .replace(/\\(.)/gs, '$1')
    .replace(/%0A/gi, '\n')
    .replace(/%0D/gi, '\r')
    .replace(/%22/g, '"');
}

function multipartBoundary(contentType: string): string {
  const match = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i.exec(contentType);
  const boundary = match?.[1] === undefined ? match?.[2] : match[1].replace(/\\(.)/g, '$1');
  if (boundary === undefined || boundary.length === 0 || boundary.length > 70) throw malformedMultipart();
  return boundary;
}

/** `form-data; name="files[0]"; filename="a.png"` -> its lower-cased parameters. */
function dispositionParams(value: string): Map<string, string> {
  const type = /^\s*form-data\s*/i.exec(value);
  if (type === null) throw malformedMultipart();
  const params = new Map<string, string>();
  const param = /;\s*([^\s=;"]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]*))\s*/y;
  param.lastIndex = type[0].length;
  while (param.lastIndex < value.length) {
    if (/^;?\s*$/.test(value.slice(param.lastIndex))) break;
    const match = param.exec(value);
    const key = match?.[1];
    if (match === null || key === undefined) throw malformedMultipart();
    params.set(key.toLowerCase(), match[2] === undefined ? (match[3] ?? '') : unquote(match[2]));
  }
  return params;
}

/** Skips transport padding after a boundary and the CRLF ending its line (RFC 2046 section 5.1.1). */
function afterBoundaryLine(raw: Buffer, at: number): number {
  while (raw[at] === 0x20 || raw[at] === 0x09) at += 1;
  if (raw[at] !== 0x0d || raw[at + 1] !== 0x0a) throw malformedMultipart();
  return at + 2;
}

/**
 * RFC 7578 multipart/form-data over the raw buffer: delimiters are found with `indexOf`, and file bytes
 * are views into `raw` (no copies). Malformed bodies answer 400.
 */
function parseMultipart(raw: Buffer, contentType: string): ParsedBody {
  const boundary = multipartBoundary(contentType);
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const files: RecordedFile[] = [];
  const fields: Record<string, unknown> = {};
  let payload: unknown;

  // The first boundary opens the body, or ends a preamble that is ignored.
  let at: number;
  if (raw.subarray(0, dashBoundary.length).equals(dashBoundary)) {
    at = dashBoundary.length;
  } else {
    const first = raw.indexOf(delimiter);
    if (first < 0) throw malformedMultipart();
    at = first + delimiter.length;
  }
  // `at` is just past a boundary: `--` closes the body (the epilogue is ignored), otherwise a part follows.
  while (raw[at] !== 0x2d || raw[at + 1] !== 0x2d) {
    at = afterBoundaryLine(raw, at);
    // Searching from the CRLF that ended the boundary line also finds an empty header block.
    const headersEnd = raw.indexOf(HEADERS_END, at - 2);
    const end = raw.indexOf(delimiter, at);
    if (end < 0) throw malformedMultipart();
    if (headersEnd < 0 || headersEnd + 4 > end) throw malformedMultipart();

    let params: Map<string, string> | undefined;
    let partType: string | undefined;
    const headerText = headersEnd > at ? raw.toString('utf8', at, headersEnd) : '';
    for (const line of headerText === '' ? [] : headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw malformedMultipart();
      const header = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (header === 'content-disposition') params = dispositionParams(value);
      else if (header === 'content-type') partType = value.toLowerCase();
    }
    const name = params?.get('name');
    if (params === undefined || name === undefined) throw malformedMultipart();
    const body = raw.subarray(headersEnd + 4, end);
    const filename = params.get('filename');
    if (filename !== undefined) {
      files.push({ name, filename, contentType: partType || 'application/octet-stream', bytes: body });
    } else if (name === 'payload_json') {
      payload = parseJson(utf8.decode(body));
    } else {
      fields[name] = utf8.decode(body);
    }
    at = end + delimiter.length;
  }
  const json = payload ?? (Object.keys(fields).length > 0 ? fields : undefined);
  return json === undefined ? { files } : { json, files };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
