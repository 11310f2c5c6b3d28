import type { DestinationStream } from 'pino';
import type { LogLine } from './bot-process.js';

export interface CapturedLogs {
  /** Pass as HarnessOptions.logDestination (with LOG_LEVEL set in env). */
  readonly destination: DestinationStream;
  readonly lines: LogLine[];
}

/** Collects the bot's pino output, one parsed JSON object per line, in memory. */
export function captureLogs(): CapturedLogs {
  const lines: LogLine[] = [];
  let pending = '';
  const destination: DestinationStream = {
    write(chunk: string) {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
        newline = pending.indexOf('\n');
      }
    },
  };
  return { destination, lines };
}
