import {
  cronProblem,
  GenieCreateSchema,
  GenieUpdateSchema,
  genieConsistencyProblems,
  isIanaTimeZone,
  mergeGenieUpdate,
  normalizeGenie,
  ScheduleSchema,
} from '../../domain/schemas/genie';
import { TOOL_NAMES } from '../../domain/tools';

const minimal = { name: 'Digest', soul_prompt: 'Summarise new leads.' };

describe('genie create schema', () => {
  it('fills the documented defaults', () => {
    const genie = GenieCreateSchema.parse(minimal);
    expect(genie).toEqual({
      ...minimal,
      description: '',
      trigger_type: 'manual',
      schedule: null,
      event_types: [],
      credential_refs: [],
      tools: [...TOOL_NAMES],
      model: null,
      max_turns: 20,
      max_tokens_per_run: null,
      max_cost_per_run_usd: null,
      monthly_budget_usd: null,
      model_mode: 'realtime',
      thinking_budget_tokens: null,
      server_tools: [],
      web_search: null,
      delegates: [],
      max_concurrent_runs: 1,
      enabled: true,
      approval_required: [],
      approval_timeout_seconds: 86_400,
      webhook_url: null,
      webhook_events: ['run.succeeded', 'run.failed', 'run.cancelled', 'run.timed_out'],
      mcp_servers: [],
    });
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ soul_prompt: '   ' }, 'soul_prompt'],
    [{ tools: ['web_fetch', 'shell'] }, 'tools.1'],
    [{ tools: ['web_fetch', 'web_fetch'] }, 'tools'],
    [{ max_turns: 0 }, 'max_turns'],
    [{ max_turns: 101 }, 'max_turns'],
    [{ max_turns: 2.5 }, 'max_turns'],
    [{ approval_required: ['shell'] }, 'approval_required.0'],
    [{ approval_required: ['query_data:POST'] }, 'approval_required.0'],
    [{ approval_timeout_seconds: 30 }, 'approval_timeout_seconds'],
    [{ webhook_url: 'not a url' }, 'webhook_url'],
    [{ webhook_url: 'ftp://example.com/x' }, 'webhook_url'],
    [{ webhook_url: 'https:///no-host' }, 'webhook_url'], // WHATWG would quietly take it
    [{ webhook_url: 'https://exämple.com/x' }, 'webhook_url'], // not ASCII: percent-encode it
    [{ webhook_url: 'https://example.com/%zz' }, 'webhook_url'],
    [{ webhook_url: 'https://user:pass@example.com/x' }, 'webhook_url'],
    [{ webhook_events: ['run.exploded'] }, 'webhook_events.0'],
    [{ max_concurrent_runs: 0 }, 'max_concurrent_runs'],
    [{ trigger_type: 'webhook' }, 'trigger_type'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ unknown_field: 1 }, ''],
    [{ event_types: ['has space'] }, 'event_types.0'],
  ])('refuses %j', (patch, field) => {
    const result = GenieCreateSchema.safeParse({ ...minimal, ...patch });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('needs name and soul_prompt', () => {
    const result = GenieCreateSchema.safeParse({});
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['name', 'soul_prompt']);
  });
});

describe('schedules', () => {
  it.each(['0 9 * * 1-5', '*/15 * * * *', '@daily', '@hourly', '30 2 1 * *'])('accepts cron %j', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
    expect(ScheduleSchema.safeParse({ cron }).success).toBe(true);
  });

  it.each(['', 'bad', '61 * * * *', '* * * * * *', '@sometimes', '0 9 * *'])('refuses cron %j', (cron) => {
    expect(ScheduleSchema.safeParse({ cron }).success).toBe(false);
  });

  it('needs exactly one of cron and interval_seconds', () => {
    expect(ScheduleSchema.safeParse({}).success).toBe(false);
    expect(ScheduleSchema.safeParse({ cron: '@daily', interval_seconds: 60 }).success).toBe(false);
    expect(ScheduleSchema.safeParse({ interval_seconds: 60 }).success).toBe(true);
    expect(ScheduleSchema.safeParse({ interval_seconds: 0 }).success).toBe(false);
  });

  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'])('accepts time zone %s', (tz) => {
    expect(isIanaTimeZone(tz)).toBe(true);
  });

  it.each(['Mars/Olympus', 'europe/berlin', 'GMT+25', ''])('refuses time zone %j', (tz) => {
    expect(isIanaTimeZone(tz)).toBe(false);
    expect(ScheduleSchema.safeParse({ cron: '@daily', timezone: tz }).success).toBe(false);
  });

  it('refuses unknown schedule fields and overlap policies', () => {
    expect(ScheduleSchema.safeParse({ cron: '@daily', every: 'day' }).success).toBe(false);
    expect(ScheduleSchema.safeParse({ cron: '@daily', overlap: 'sometimes' }).success).toBe(false);
  });

  it('spells out schedule defaults when normalised', () => {
    const genie = GenieCreateSchema.parse({ ...minimal, trigger_type: 'schedule', schedule: { interval_seconds: 60 } });
    expect(normalizeGenie(genie).schedule).toEqual({
      interval_seconds: 60,
      timezone: 'UTC',
      overlap: 'skip',
      paused: false,
    });
  });
});

describe('cross-field rules', () => {
  const problems = (input: object) => genieConsistencyProblems(GenieCreateSchema.parse({ ...minimal, ...input }));

  it('needs a schedule for scheduled genies, and only for them', () => {
    expect(problems({ trigger_type: 'schedule' })).toEqual([{ field: 'schedule', message: expect.any(String) }]);
    expect(problems({ trigger_type: 'manual', schedule: { cron: '@daily' } })).toHaveLength(1);
    expect(problems({ trigger_type: 'schedule', schedule: { cron: '@daily' } })).toEqual([]);
  });

  it('allows event_types only for event genies', () => {
    expect(problems({ event_types: ['lead.created'] })).toHaveLength(1);
    expect(problems({ trigger_type: 'event', event_types: ['lead.created'] })).toEqual([]);
  });
});

describe('update merge', () => {
  const scheduled = normalizeGenie(
    GenieCreateSchema.parse({
      ...minimal,
      trigger_type: 'schedule',
      schedule: { cron: '0 9 * * *', timezone: 'Europe/Berlin' },
    })
  );

  it('merges a partial schedule into the current one', () => {
    const next = mergeGenieUpdate(scheduled, GenieUpdateSchema.parse({ schedule: { paused: true } }));
    expect(next.schedule).toEqual({ cron: '0 9 * * *', timezone: 'Europe/Berlin', overlap: 'skip', paused: true });
  });

  it('replaces cron with interval_seconds and back', () => {
    const next = mergeGenieUpdate(scheduled, { schedule: { interval_seconds: 300 } });
    expect(next.schedule).toEqual({ interval_seconds: 300, timezone: 'Europe/Berlin', overlap: 'skip', paused: false });
    expect(genieConsistencyProblems(next)).toEqual([]);
  });

  it('drops the schedule when the trigger type changes away from schedule', () => {
    const next = mergeGenieUpdate(scheduled, { trigger_type: 'manual' });
    expect(next.schedule).toBeNull();
    expect(genieConsistencyProblems(next)).toEqual([]);
  });

  it('keeps fields the patch does not name', () => {
    const next = mergeGenieUpdate(scheduled, { name: 'Renamed' });
    expect(next).toEqual({ ...scheduled, name: 'Renamed' });
  });

  it('refuses unknown fields in an update', () => {
    expect(GenieUpdateSchema.safeParse({ max_turn: 5 }).success).toBe(false);
  });
});
