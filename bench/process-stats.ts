import { readFile } from 'node:fs/promises';

export interface StartCommand {
  env: Record<string, string>;
  nodeArgs: string[];
}

/** The environment and node flags of package.json's `start` script (`A=1 B=2 [exec] node --flag … dist/main.js`). */
export function parseStartScript(script: string): StartCommand {
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!); i += 1) {
    const [name, ...value] = words[i]!.split('=');
    env[name!] = value.join('=');
  }
  // `exec` hands npm's signals straight to node (see package.json); it changes nothing the bench measures.
  if (words[i] === 'exec') i += 1;
  if (words[i] !== 'node') throw new Error(`bench: cannot read the start script: ${script}`);
  const nodeArgs = words.slice(i + 1).filter((word) => word.startsWith('--'));
  return { env, nodeArgs };
}

/** Resident set size of a process, from /proc (bytes). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * CPU time (user + system, ms) a process has used so far. The counters are in clock ticks, 100 per second
 * on Linux: plenty of resolution for a run that costs the bot tens of seconds of CPU.
 */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at the state, field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time (ms, ns resolution) the process's main thread, the one running JavaScript, has used so far. */
export async function mainThreadCpuMsOf(pid: number): Promise<number> {
  const schedstat = await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8');
  return Number(schedstat.split(' ')[0]) / 1e6;
}
