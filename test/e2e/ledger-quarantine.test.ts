import { describe, expect } from 'vitest';
import { SqliteJobLedger } from '../../src/jobs/ledger.js';
import { openStorage } from '../../src/storage/index.js';
import { it } from '../helpers/fixtures.js';
import { ledgerJob } from '../helpers/ledger-jobs.js';
import { captureLogs } from '../helpers/log-capture.js';
import { sqliteOf } from '../helpers/storage.js';
import { jobsIdle } from '../helpers/jobs.js';

describe('a ledger row that is not a job, at start-up', () => {
  it('is quarantined and logged; the bot starts and serves /imagine', async ({ bot, tempDir }) => {
    const dir = await tempDir('quarantine');
    const storageUrl = `sqlite://${dir.file('bot.sqlite')}`;
    const seeded = await openStorage(storageUrl);
    await await (await SqliteJobLedger.create(sqliteOf(seeded))).openJobs(); // creates the tables
    await sqliteOf(seeded).query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', 'torn', 1, '{"id":"torn","phase":"watch');
    const wrongShape = { ...ledgerJob('no-task', 2), phase: 'delivering' };
    await sqliteOf(seeded).query('INSERT INTO imagine_jobs (id, created_at, record) VALUES (?, ?, ?)', 'no-task', 2, JSON.stringify(wrongShape));
    await seeded.close();

    const logs = captureLogs();
    const h = await bot({ storageUrl, env: { LOG_LEVEL: 'info' }, logDestination: logs.destination });
    const quarantined = logs.lines.filter((l) => l.msg === 'job ledger row is not a valid job; quarantined').map((l) => l['jobId']);
    expect(quarantined.sort()).toEqual(['no-task', 'torn']);

    const interaction = h.imagine({ prompt: 'a lighthouse after the storm' });
    await interaction.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    await jobsIdle(h.app.jobs);
    expect(await sqliteOf(h.storage).query('SELECT id FROM imagine_jobs')).toEqual([]);
    expect(await sqliteOf(h.storage).query('SELECT id FROM imagine_jobs_quarantine ORDER BY id')).toEqual([{ id: 'no-task' }, { id: 'torn' }]);
  });
});
