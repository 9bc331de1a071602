import { scheduledTimeOf } from '../../temporal/contract';
import { scheduleOptionsFor, SCHEDULE_CATCHUP_WINDOW } from '../../temporal/schedule-options';

const genie = (schedule: object, enabled = true) => ({
  id: '11111111-1111-4111-8111-111111111111',
  owner_id: '22222222-2222-4222-8222-222222222222',
  name: 'Digest',
  enabled,
  schedule: { timezone: 'UTC', overlap: 'skip' as const, paused: false, ...schedule },
});

describe('scheduleOptionsFor', () => {
  it('maps a cron schedule with its time zone', () => {
    const options = scheduleOptionsFor(genie({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }), 'q');
    expect(options.scheduleId).toBe('genie-schedule-11111111-1111-4111-8111-111111111111');
    expect(options.spec).toEqual({ cronExpressions: ['0 9 * * 1-5'], timezone: 'Europe/Berlin' });
    expect(options.policies).toEqual({ overlap: 'SKIP', catchupWindow: SCHEDULE_CATCHUP_WINDOW });
    expect(options.state).toMatchObject({ paused: false });
    expect(options.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'genieRun',
      workflowId: 'genie-run-sched-11111111-1111-4111-8111-111111111111',
      taskQueue: 'q',
      args: [{ genieId: genie({}).id, ownerId: genie({}).owner_id, trigger: { type: 'schedule' } }],
    });
  });

  it.each([
    ['@daily', '0 0 * * *'],
    ['@hourly', '0 * * * *'],
    ['@weekly', '0 0 * * 0'],
    ['@monthly', '0 0 1 * *'],
    ['@yearly', '0 0 1 1 *'],
  ])('spells %s as a 5-field cron', (macro, cron) => {
    expect(scheduleOptionsFor(genie({ cron: macro }), 'q').spec).toEqual({ cronExpressions: [cron], timezone: 'UTC' });
  });

  it('maps an interval', () => {
    expect(scheduleOptionsFor(genie({ interval_seconds: 90 }), 'q').spec).toEqual({ intervals: [{ every: '90s' }] });
  });

  it.each([
    ['skip', 'SKIP'],
    ['buffer_one', 'BUFFER_ONE'],
    ['allow_all', 'ALLOW_ALL'],
    ['cancel_other', 'CANCEL_OTHER'],
  ])('maps overlap %s', (overlap, policy) => {
    expect(scheduleOptionsFor(genie({ cron: '@daily', overlap }), 'q').policies?.overlap).toBe(policy);
  });

  it('pauses for a paused schedule or a disabled genie', () => {
    expect(scheduleOptionsFor(genie({ cron: '@daily', paused: true }), 'q').state?.paused).toBe(true);
    expect(scheduleOptionsFor(genie({ cron: '@daily' }, false), 'q').state).toEqual({
      paused: true,
      note: 'Genie "Digest", cron "@daily" in UTC: paused: genie disabled',
    });
  });

  it('names the genie, its time zone and its state where the Temporal UI shows them', () => {
    const options = scheduleOptionsFor(genie({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }), 'q');
    expect(options.state?.note).toBe('Genie "Digest", cron "0 9 * * 1-5" in Europe/Berlin: running');
    expect(options.action).toMatchObject({ staticSummary: 'Genie "Digest": scheduled run' });
    expect(scheduleOptionsFor(genie({ interval_seconds: 90, paused: true }), 'q').state?.note).toBe(
      'Genie "Digest", every 90 s: paused by its schedule'
    );
  });
});

describe('scheduledTimeOf', () => {
  it('reads the time Temporal appends to a scheduled run’s workflow id', () => {
    const id = '11111111-1111-4111-8111-111111111111';
    expect(scheduledTimeOf(`genie-run-sched-${id}-2026-11-28T09:00:00Z`, id)).toBe('2026-11-28T09:00:00.000Z');
    expect(scheduledTimeOf(`genie-run-${id}`, id)).toBeUndefined();
  });
});
