import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { childEnv } from './child-env.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface BotProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  readonly stderr: string[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Runs the bot as `npm start` does (tsx on src/main.ts), as a real child process with only the given
 * environment (see childEnv: no `.env`, nothing else of the runner's), and parses its JSON log lines so tests can wait for a step of a job's life.
 */
export function startBotProcess(
  env: Record<string, string>,
  options: { viaNpm?: boolean; entry?: string; nodeArgs?: string[] } = {},
): BotProcess {
  const baseEnv = childEnv({ LOG_LEVEL: 'debug', ...env });
  const child = options.viaNpm
    ? spawn('npm', ['start', '--silent'], { cwd: ROOT, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(process.execPath, options.nodeArgs ?? ['--import', 'tsx', options.entry ?? 'src/main.ts'], { cwd: ROOT, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      logs.push({ level: 30, msg: line });
    }
    for (const wake of waiters) wake();
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));

  const waitForLog: BotProcess['waitForLog'] = (predicate, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${logs.slice(-8).map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr.slice(-8).join('\n')}`));
      }, timeoutMs);
      const onExit = () => {
        if (check()) return;
        cleanup();
        reject(new Error(`bot exited before the log line appeared; stderr:\n${stderr.join('\n')}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        child.off('exit', onExit);
      };
      const wake = () => void check();
      if (check()) return;
      waiters.add(wake);
      child.once('exit', onExit);
    });

  return {
    child,
    logs,
    stderr,
    waitForLog,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        if (options.viaNpm && child.pid) process.kill(-child.pid, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
}

/** The variables that point a bot at a fake Discord and a fake KIE (everything else is the caller's). */
export function fakeServicesEnv(
  discord: { token: string; applicationId: string; apiUrl: string },
  kie: { apiKey: string; url: string },
): Record<'DISCORD_TOKEN' | 'DISCORD_CLIENT_ID' | 'DISCORD_API_URL' | 'KIE_API_KEY' | 'KIE_API_URL', string> {
  return {
    DISCORD_TOKEN: discord.token,
    DISCORD_CLIENT_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiUrl,
    KIE_API_KEY: kie.apiKey,
    KIE_API_URL: kie.url,
  };
}
