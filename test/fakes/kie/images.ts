import sharp from 'sharp';

export type GeneratedImageKind = 'small' | 'upscaled' | 'large' | '4k';

/** KIE's ceiling for image inputs and a common Discord attachment limit: 'large' must be above it. */
export const TEN_MIB = 10 * 1024 * 1024;

const SMALL_SIZE = 256;
const LARGE_SIZE = 2000;
/** Seedream 4.5's 'high' quality at 1:1, as resellers of the model quote it. */
const UHD_SIZE = 4096;

/**
 * Real PNG files for the fake to serve, generated on first use and cached by this instance.
 * 'small' is a 256x256 gradient (about 1 KB), 'upscaled' the same at 512x512 (an upscale's result); 'large' is 2000x2000 RGB noise, which PNG cannot compress,
 * so it is about 12 MB (> 10 MiB). '4k' is what Seedream's 4K output costs a relay: 4096x4096 gradients
 * under fine grain, about 29 MiB as a PNG and 3.8 MiB as a JPEG at quality 90 (drawing it takes seconds,
 * so the benchmark uses it and the tests use 'large'). The noise is seeded, so the bytes are the same on
 * every run.
 */
export class FakeImages {
  private readonly cache = new Map<GeneratedImageKind, Promise<Buffer>>();

  get(kind: GeneratedImageKind): Promise<Buffer> {
    let image = this.cache.get(kind);
    if (image === undefined) {
      image = kind === 'small' ? smallPng() : kind === 'upscaled' ? upscaledPng() : kind === 'large' ? largePng() : uhdPng();
      this.cache.set(kind, image);
    }
    return image;
  }
}

function smallPng(): Promise<Buffer> {
  const pixels = Buffer.alloc(SMALL_SIZE * SMALL_SIZE * 3);
  for (let y = 0; y < SMALL_SIZE; y += 1) {
    for (let x = 0; x < SMALL_SIZE; x += 1) {
      const offset = (y * SMALL_SIZE + x) * 3;
      pixels[offset] = x;
      pixels[offset + 1] = (x >> 5) * 32;
      pixels[offset + 2] = y < SMALL_SIZE / 2 ? 200 : 60;
    }
  }
  return sharp(pixels, { raw: { width: SMALL_SIZE, height: SMALL_SIZE, channels: 3 } }).png().toBuffer();
}

/** What topaz/image-upscale returns for 'small' at factor 2: the same gradient at twice the size. */
async function upscaledPng(): Promise<Buffer> {
  return sharp(await smallPng()).resize(SMALL_SIZE * 2, SMALL_SIZE * 2, { kernel: 'lanczos3' }).png().toBuffer();
}

function largePng(): Promise<Buffer> {
  const pixels = Buffer.alloc(LARGE_SIZE * LARGE_SIZE * 3);
  let state = 0x2545f491;
  for (let offset = 0; offset + 4 <= pixels.length; offset += 4) {
    // xorshift32: cheap, seeded, incompressible enough for PNG.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels.writeInt32LE(state | 0, offset);
  }
  return sharp(pixels, { raw: { width: LARGE_SIZE, height: LARGE_SIZE, channels: 3 } })
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
}

function uhdPng(): Promise<Buffer> {
  const pixels = Buffer.alloc(UHD_SIZE * UHD_SIZE * 3);
  let state = 0x2545f491;
  for (let y = 0; y < UHD_SIZE; y += 1) {
    for (let x = 0; x < UHD_SIZE; x += 1) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const grain = state >>> 0;
      const offset = (y * UHD_SIZE + x) * 3;
      pixels[offset] = ((x >> 4) + (grain & 15)) & 0xff;
      pixels[offset + 1] = ((y >> 4) + ((grain >>> 8) & 15)) & 0xff;
      pixels[offset + 2] = (((x + y) >> 5) + ((grain >>> 16) & 15)) & 0xff;
    }
  }
  return sharp(pixels, { raw: { width: UHD_SIZE, height: UHD_SIZE, channels: 3 } }).png({ adaptiveFiltering: true }).toBuffer();
}
