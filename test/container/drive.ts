/**
 * The container check's scenario (run by .ci/container-check, not by vitest): the built image, run with
 * `--network host` against the fake Discord and the fake KIE on this machine, registers its commands,
 * delivers an image, answers /healthz (and Docker's HEALTHCHECK turns healthy), and on `docker stop`
 * exits 0 within 10 s with a running job parked in the ledger; started again, it resumes and delivers it.
 *
 * Usage: tsx test/container/drive.ts IMAGE
 */
import { execFile as execFileCallback, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { FakeDiscord } from '../fakes/discord/index.js';
import { FakeKie } from '../fakes/kie/index.js';
import { freePort } from '../helpers/ports.js';

const execFile = promisify(execFileCallback);
const GUILD = '1700000000000000001';
const CHANNEL = '1700000000000000002';
const MEMBER = { id: '1700000000000000009', username: 'painter' };

/** The README's backup command for the container (VACUUM INTO: a consistent copy while the bot runs). */
const BACKUP_SCRIPT = `new (require('node:sqlite').DatabaseSync)('/data/bot.sqlite').exec("VACUUM INTO '/data/backup.sqlite'")`;

interface LogLine {
  msg: string;
  [key: string]: unknown;
}

const name = `imagine-ci-${process.pid}`;
const step = (text: string) => console.log(`container-check: ${text}`);

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await execFile('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every JSON line the container writes, read through `docker logs -f` (which ends when the container stops). */
function follow(lines: LogLine[]): void {
  const logs = spawn('docker', ['logs', '-f', name], { stdio: ['ignore', 'pipe', 'pipe'] });
  const read = (line: string) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      lines.push({ msg: line });
    }
  };
  createInterface({ input: logs.stdout }).on('line', read);
  createInterface({ input: logs.stderr }).on('line', read);
}

async function main(image: string): Promise<void> {
  const started = Date.now();
  const discord = await FakeDiscord.start({ guilds: [{ id: GUILD, channels: [{ id: CHANNEL, name: 'general' }] }] });
  const kie = await FakeKie.start({ defaultScenario: { durationMs: 300 } });
  const data = await mkdtemp(join(tmpdir(), 'imagine-container-'));
  // The image runs as its `node` user; the volume must be writable for it.
  await chmod(data, 0o777);
  const healthPort = await freePort();
  const lines: LogLine[] = [];
  const log = (predicate: (line: LogLine) => boolean, what: string, timeoutMs = 30_000) => until(what, () => lines.find(predicate), timeoutMs);
  try {
    await docker(
      'run', '-d', '--name', name, '--network', 'host', '-v', `${data}:/data`,
      '--health-interval', '1s', '--health-timeout', '3s', '--health-start-period', '30s',
      '-e', `DISCORD_TOKEN=${discord.token}`, '-e', `DISCORD_CLIENT_ID=${discord.applicationId}`, '-e', `DISCORD_API_URL=${discord.apiUrl}`,
      '-e', `KIE_API_KEY=${kie.apiKey}`, '-e', `KIE_API_URL=${kie.url}`, '-e', `HEALTH_PORT=${healthPort}`, '-e', 'LOG_LEVEL=info',
      image,
    );
    follow(lines);
    await log((line) => line.msg === 'commands registered', 'commands registered', 60_000);
    const names = discord.commands().map((command) => command.name).sort();
    if (names.join() !== ['Edit image', 'blend', 'history', 'imagine', 'imagine-admin', 'quota', 'settings'].join()) throw new Error(`registered: ${names.join(', ')}`);
    step(`registered ${names.length} commands (${Date.now() - started} ms after start)`);

    const imagine = (prompt: string) =>
      discord.dispatchInteraction({ commandName: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }], guildId: GUILD, channelId: CHANNEL, user: MEMBER });
    const first = imagine('a lighthouse in a container');
    const delivered = await first.waitForOriginal((message) => message.attachments.length > 0, 30_000);
    if (Buffer.compare(delivered.attachments[0]!.bytes, await kie.imageBytes('small')) !== 0) throw new Error('the delivered image is not KIE’s');
    step('delivered one image for /imagine');

    const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    const body = await health.text();
    if (health.status !== 200) throw new Error(`/healthz answered ${health.status}: ${body}`);
    step(`/healthz: ${health.status} ${body.trim()}`);
    const dockerHealth = await until('HEALTHCHECK healthy', async () => ((await docker('inspect', '-f', '{{.State.Health.Status}}', name)) === 'healthy' ? true : undefined), 30_000);
    step(`docker HEALTHCHECK: ${dockerHealth ? 'healthy' : '?'}`);

    // The README's backup of a running bot: a consistent copy of the SQLite file into the volume.
    await docker('exec', name, 'node', '-e', BACKUP_SCRIPT);
    const backup = await stat(join(data, 'backup.sqlite'));
    if (backup.size === 0) throw new Error('the backup is empty');
    step(`backup of the running bot's SQLite file: ${backup.size} bytes`);

    // A job still running when the container is stopped stays in the ledger (SQLite in the volume).
    kie.nextCreate({ scenario: { outcome: 'never' } });
    const second = imagine('a job parked by docker stop');
    const created = await log((line) => line.msg === 'task created' && line['taskId'] !== undefined && !lines.some((l) => l.msg === 'image delivered' && l['taskId'] === line['taskId']), 'second task created');
    const taskId = String(created['taskId']);
    const stopAt = Date.now();
    await docker('stop', '-t', '15', name);
    const stopMs = Date.now() - stopAt;
    const exitCode = await docker('inspect', '-f', '{{.State.ExitCode}}', name);
    if (exitCode !== '0') throw new Error(`exit code ${exitCode} after docker stop`);
    if (stopMs >= 10_000) throw new Error(`docker stop took ${stopMs} ms`);
    await log((line) => line.msg === 'job left in the ledger for the next start' && line['taskId'] === taskId, 'job parked');
    step(`docker stop: exit 0 in ${stopMs} ms, task ${taskId} parked in the ledger`);

    // The same container (same volume) started again finishes the parked job.
    lines.length = 0;
    await docker('start', name);
    follow(lines);
    await log((line) => line.msg === 'resuming job' && line['taskId'] === taskId, 'resuming the parked job', 60_000);
    kie.completeTask(taskId);
    await second.waitForOriginal((message) => message.attachments.length > 0, 30_000);
    if (kie.creates.length !== 2) throw new Error(`${kie.creates.length} KIE tasks created, expected 2`);
    step('restarted: resumed the parked job and delivered it, no second task');
    await docker('stop', '-t', '15', name);
    const secondExit = await docker('inspect', '-f', '{{.State.ExitCode}}', name);
    if (secondExit !== '0') throw new Error(`exit code ${secondExit} after the second docker stop`);
    step(`scenario passed in ${Date.now() - started} ms`);
  } catch (error) {
    console.error(`container-check: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    console.error(lines.slice(-20).map((line) => JSON.stringify(line)).join('\n'));
    process.exitCode = 1;
  } finally {
    await docker('rm', '-f', name).catch(() => '');
    await Promise.all([discord.close(), kie.close()]);
    await rm(data, { recursive: true, force: true }).catch(() => undefined);
  }
}

const image = process.argv[2];
if (!image) throw new Error('usage: drive.ts IMAGE');
await main(image);
