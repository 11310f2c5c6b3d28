import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  /** A path inside the folder. */
  file(name: string): string;
  remove(): Promise<void>;
}

/** A fresh folder under the OS temp dir; call remove() in afterEach/afterAll. */
export async function createTempDir(label = 'imagine-test'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `${label}-`));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
