/** What KIE does with an edit task's `image_urls`: it fetches each one itself and refuses what is not a usable picture. */

export const MAX_INPUT_IMAGE_BYTES = 10 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
const TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/** Why the images cannot be used (KIE answers 422 with it), or undefined when every one is fine. */
export async function inputImagesProblem(urls: readonly string[], signal: AbortSignal): Promise<string | undefined> {
  const problems = await Promise.all(urls.map((url, index) => inputImageProblem(url, signal).then((problem) => problem && `image_urls[${index}]: ${problem}`)));
  return problems.find((problem) => problem !== undefined);
}

async function inputImageProblem(url: string, signal: AbortSignal): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) });
  } catch {
    return 'the image could not be downloaded';
  }
  if (!response.ok) {
    await response.body?.cancel();
    return `the image could not be downloaded (HTTP ${response.status})`;
  }
  const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!TYPES.includes(type)) {
    await response.body?.cancel();
    return `unsupported image type ${type || 'unknown'}`;
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > MAX_INPUT_IMAGE_BYTES) {
    await response.body?.cancel();
    return 'the image is larger than 10 MB';
  }
  const bytes = await readAtMost(response, MAX_INPUT_IMAGE_BYTES + 1);
  if (bytes === undefined) return 'the image could not be downloaded';
  if (bytes.length > MAX_INPUT_IMAGE_BYTES) return 'the image is larger than 10 MB';
  if (!hasImageSignature(bytes)) return 'the file is not an image';
  return undefined;
}

async function readAtMost(response: Response, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      chunks.push(Buffer.from(chunk as Uint8Array));
      size += (chunk as Uint8Array).length;
      if (size >= limit) break;
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks);
}

function hasImageSignature(bytes: Buffer): boolean {
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const webp = bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';
  return png || jpeg || webp;
}
