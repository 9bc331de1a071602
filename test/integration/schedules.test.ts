import { ScheduleNotFoundError } from '@temporalio/client';
import { listAllScheduledGenies } from '../../db/repositories/genies';
import { GenieSchedules } from '../../temporal/genie-schedules';
import { freePort } from '../../platform/ports';
import type { ScheduledGenie } from '../../temporal/schedule-options';
import { SCHEDULE_RECONCILER_WORKFLOW_ID, scheduleId } from '../../temporal/contract';
import { requestScheduleReconciliation } from '../../worker/worker';
import { text } from '../fakes/anthropic';
import { startHarness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

const { fake, h, taskQueue, createUser } = useStack({ worker: true });
let user: TestUser;
let schedules: GenieSchedules;

beforeAll(async () => {
  user = await createUser('scheduler');
  schedules = new GenieSchedules(h.temporal, taskQueue);
});

const runsOf = async (genieId: string) =>
  (await h.call('GET', `/v1/worker-genies/${genieId}/runs?limit=100`, { key: user.key })).body.data.items;
const describeSchedule = (genieId: string) => h.temporal.schedule.getHandle(scheduleId(genieId)).describe();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('scheduled genies', () => {
  it('runs on an interval, recorded as scheduled runs, and pauses, resumes, changes and stops', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      trigger_type: 'schedule',
      schedule: { interval_seconds: 2 },
    });
    fake.script(marker, [text('scheduled hello')]);

    const [run] = await waitFor('a scheduled run', async () => {
      const runs = (await runsOf(genie.id)).filter((r: any) => r.status === 'succeeded');
      return runs.length ? runs : undefined;
    });
    expect(run).toMatchObject({ trigger_type: 'schedule', output: 'scheduled hello' });
    expect(run.workflow_id).toMatch(new RegExp(`^genie-run-sched-${genie.id}-`));
    expect(Date.parse(run.scheduled_at)).not.toBeNaN();
    const opening = fake.requestsFor(marker)[0]!.body.messages[0].content[0].text;
    expect(opening).toContain(`This is a scheduled run (scheduled for ${run.scheduled_at})`);

    const got = await h.call('GET', `/v1/worker-genies/${genie.id}`, { key: user.key });
    expect(got.body.data.next_run_times).toHaveLength(5);
    expect(got.body.data).toMatchObject({
      schedule_status: 'active',
      schedule_stats: { skipped_actions: expect.any(Number) },
    });

    // pause: no new runs
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { schedule: { paused: true } } });
    expect((await describeSchedule(genie.id)).state.paused).toBe(true);
    await sleep(2000); // let a run that had already started record itself and finish
    const paused = (await runsOf(genie.id)).length;
    await sleep(4500);
    expect((await runsOf(genie.id)).length).toBe(paused);

    // unpause: runs resume
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { schedule: { paused: false } } });
    await waitFor('a run after unpausing', async () => ((await runsOf(genie.id)).length > paused ? true : undefined));

    // disable pauses the schedule too
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { enabled: false } });
    expect((await describeSchedule(genie.id)).state.paused).toBe(true);
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { enabled: true } });

    // a new spec takes effect at once
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: user.key,
      body: { schedule: { cron: '30 6 * * *', timezone: 'Asia/Tokyo', overlap: 'buffer_one' } },
    });
    const changed = await describeSchedule(genie.id);
    expect(changed.policies.overlap).toBe('BUFFER_ONE');
    for (const time of changed.info.nextActionTimes) expect(time.toISOString()).toMatch(/T21:30:00\.000Z$/);

    // delete: the schedule goes, and no more runs start
    expect((await h.call('DELETE', `/v1/worker-genies/${genie.id}`, { key: user.key })).status).toBe(200);
    await expect(describeSchedule(genie.id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
  }, 90_000);

  it('trigger() starts a run at once, and manual runs still work', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      trigger_type: 'schedule',
      schedule: { cron: '0 0 1 1 *' },
    });
    fake.script(marker, [text('triggered')]);
    await h.temporal.schedule.getHandle(scheduleId(genie.id)).trigger();
    const [run] = await waitFor('a triggered run', async () => {
      const runs = (await runsOf(genie.id)).filter((r: any) => r.status === 'succeeded');
      return runs.length ? runs : undefined;
    });
    expect(run.trigger_type).toBe('schedule');
    const manual = await waitForRun(h, user, (await startRun(h, user, genie.id, 'now please')).run_id);
    expect(manual).toMatchObject({ status: 'succeeded', trigger_type: 'manual' });
  });

  it('creates and removes the schedule when the trigger type changes', async () => {
    const { genie } = await createScriptedGenie(h, user);
    await expect(describeSchedule(genie.id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: user.key,
      body: { trigger_type: 'schedule', schedule: { cron: '@daily' } },
    });
    expect((await describeSchedule(genie.id)).spec).toMatchObject({ calendars: expect.any(Array) });
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { trigger_type: 'manual' } });
    await expect(describeSchedule(genie.id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('answers 503 and changes nothing when Temporal is down', async () => {
    const { genie } = await createScriptedGenie(h, user, { trigger_type: 'schedule', schedule: { cron: '@daily' } });
    const down = await startHarness({ taskQueue, temporalAddress: `127.0.0.1:${await freePort()}` });
    try {
      const before = await h.db('genies').where({ id: genie.id }).first();
      const update = await down.call('PATCH', `/v1/worker-genies/${genie.id}`, {
        key: user.key,
        body: { name: 'Changed', schedule: { cron: '@hourly' } },
      });
      expect(update.status).toBe(503);
      expect(update.body.error.code).toBe('upstream_unavailable');
      expect(await h.db('genies').where({ id: genie.id }).first()).toEqual(before);

      const create = await down.call('POST', '/v1/worker-genies', {
        key: user.key,
        body: { name: 'never', soul_prompt: 'p', trigger_type: 'schedule', schedule: { cron: '@daily' } },
      });
      expect(create.status).toBe(503);
      expect(await h.db('genies').where({ owner_id: user.id, name: 'never' })).toEqual([]);

      expect((await down.call('DELETE', `/v1/worker-genies/${genie.id}`, { key: user.key })).status).toBe(503);
      expect(await h.db('genies').where({ id: genie.id }).first()).toBeDefined();
      const got = await down.call('GET', `/v1/worker-genies/${genie.id}`, { key: user.key });
      expect(got.body.data).toMatchObject({ schedule_status: 'unavailable', next_run_times: null });
    } finally {
      await down.close();
    }
  }, 60_000);

  it('the reconciler deletes schedules without genies and restores missing ones', async () => {
    const { genie } = await createScriptedGenie(h, user, { trigger_type: 'schedule', schedule: { cron: '@daily' } });
    await schedules.remove(genie.id); // drift: a scheduled genie with no schedule
    const orphanId = '00000000-0000-4000-8000-0000000000ab';
    await schedules.upsert({ ...(genie as ScheduledGenie), id: orphanId, owner_id: user.id }); // drift: no genie
    const report = await schedules.reconcile((await listAllScheduledGenies(h.db)) as ScheduledGenie[], {
      orphanGraceMs: 0,
    });
    expect(report.created).toContain(genie.id);
    expect(report.deleted).toContain(orphanId);
    expect((await describeSchedule(genie.id)).state.paused).toBe(false);
    await expect(describeSchedule(orphanId)).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('one reconciler workflow repairs drift when any worker starts, however many ask', async () => {
    const { genie } = await createScriptedGenie(h, user, { trigger_type: 'schedule', schedule: { cron: '@weekly' } });
    await schedules.remove(genie.id); // drift: a scheduled genie with no schedule
    const reconciler = h.temporal.workflow.getHandle(SCHEDULE_RECONCILER_WORKFLOW_ID);
    await reconciler.terminate('fresh start for this test').catch(() => undefined);
    try {
      // Two worker replicas starting at once: both ask, one workflow answers.
      await Promise.all([
        requestScheduleReconciliation(h.temporal, taskQueue),
        requestScheduleReconciliation(h.temporal, taskQueue),
      ]);
      await waitFor('the schedule to be restored', () => describeSchedule(genie.id).catch(() => undefined));
      const running = [];
      for await (const execution of h.temporal.workflow.list({
        query: `WorkflowId = '${SCHEDULE_RECONCILER_WORKFLOW_ID}' AND ExecutionStatus = 'Running'`,
      })) {
        running.push(execution);
      }
      expect(running).toHaveLength(1);
      expect(running[0]!.type).toBe('scheduleReconciler');
    } finally {
      await reconciler.terminate('test over').catch(() => undefined);
    }
  });
});
