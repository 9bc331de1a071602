import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { Runtime, Worker } from '@temporalio/worker';
import { PinoSdkLogger } from '../../worker/sdk-logger';

/**
 * Replay safety: the recorded histories of representative executions (test/replay/histories,
 * made by `npm run replay:record`) replay against the current workflow code. A change that would
 * break workflows in flight (a command added, removed or reordered without `patched()`) fails here.
 */
Runtime.install({ logger: new PinoSdkLogger(pino({ level: 'warn' })) }); // replays log each bundle at INFO

// Subfolders keep the histories of an older workflow shape (e.g. before-local-lifecycle/: runs
// whose startRun and finishRun were ordinary activities), which must replay as well.
const DIR = path.join(__dirname, '../replay/histories');
const fixtures = (fs.readdirSync(DIR, { recursive: true }) as string[])
  .filter((file) => file.endsWith('.binpb'))
  .sort();

it('has fixtures for runs, approvals, webhooks and the inbox', () => {
  const names = fixtures.join(' ');
  for (const kind of [
    'run-one-turn',
    'run-parallel-tools',
    'run-cancelled',
    'run-timed-out',
    'run-scheduled',
    'run-approval',
    'webhook-delivery',
    'inbox-continue-as-new',
  ]) {
    expect(names).toContain(kind);
  }
});

it.each(fixtures)(
  'replays %s deterministically',
  async (file) => {
    const history = temporal.api.history.v1.History.decode(fs.readFileSync(path.join(DIR, file)));
    await Worker.runReplayHistory(
      // The fixtures are stored decoded (npm run replay:record), so they replay without the codec.
      { workflowsPath: require.resolve('../../workflows') },
      history,
      file.replace(/\.binpb$/, '')
    );
  },
  60_000
);
