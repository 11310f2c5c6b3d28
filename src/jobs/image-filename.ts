/**
 * The file name of a delivered image. It names the image's job in full, so that a member who saves the image
 * and attaches it to /blend again is linked back to it (Discord keeps an upload's file name).
 */
export function deliveredImageFilename(jobId: string, extension: string): string {
  return `imagine-${jobId}.${extension}`;
}

const DELIVERED = /^imagine-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\s*\(\d+\))?\.(?:png|jpe?g|webp)$/i;

/** The job a file name of a delivered image names (a browser's " (1)" for a second download included), if it names one. */
export function jobIdOfFilename(filename: string): string | undefined {
  return DELIVERED.exec(filename)?.[1]?.toLowerCase();
}
