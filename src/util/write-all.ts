/** What writeAll needs of a file (a FileHandle has it). */
export interface VectorWriter {
  writev(buffers: Buffer[]): Promise<{ bytesWritten: number }>;
}

/**
 * Writes every byte of `chunks` at the file's position. writev may write less than it is given (a full disk,
 * a signal); the rest is written again, and a write that makes no progress is an error.
 */
export async function writeAll(file: VectorWriter, chunks: readonly Buffer[]): Promise<void> {
  let pending = chunks;
  while (pending.length > 0) {
    const { bytesWritten } = await file.writev([...pending]);
    if (bytesWritten <= 0) throw new Error('the file took no bytes');
    pending = withoutFirstBytes(pending, bytesWritten);
  }
}

function withoutFirstBytes(chunks: readonly Buffer[], count: number): Buffer[] {
  let skip = count;
  let index = 0;
  while (index < chunks.length && skip >= chunks[index]!.length) skip -= chunks[index++]!.length;
  const rest = chunks.slice(index);
  if (rest.length > 0 && skip > 0) rest[0] = rest[0]!.subarray(skip);
  return rest;
}
