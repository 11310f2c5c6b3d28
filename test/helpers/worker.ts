import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { childEnv } from './child-env.js';

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

export interface Worker<Result> {
  process: ChildProcessWithoutNullStreams;
  /** The worker printed "ready": it has connected and waits for "go" on stdin. */
  ready: Promise<void>;
  /** The JSON line the worker prints when done. */
  result: Promise<Result>;
  go(): void;
}

/**
 * Starts a TypeScript worker script (`ready` → wait for `go` → one JSON line) so that several processes can
 * be released at the same instant. The caller kills `worker.process` in its cleanup.
 */
export function startWorker<Result>(script: string, args: readonly string[]): Worker<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<never>((_, reject) =>
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before answering: ${stderr.trim()}`))),
  );
  const nextLine = () => Promise.race([new Promise<string>((resolve) => lines.once('line', resolve)), exited]);
  const ready = nextLine().then((line) => {
    if (line !== 'ready') throw new Error(`worker said ${JSON.stringify(line)} instead of ready`);
  });
  const result = ready.then(nextLine).then((line) => JSON.parse(line) as Result);
  // Either promise may be left unawaited when the other fails first.
  ready.catch(() => {});
  result.catch(() => {});
  return { process: child, ready, result, go: () => child.stdin.write('go\n') };
}
