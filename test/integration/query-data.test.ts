import crypto from 'node:crypto';
import { runToolCall } from '../../activities/tools/run-tool';
import { insertRows } from '../../db/repositories/business-data';
import { insertGenie } from '../../db/repositories/genies';
import { saveMessage } from '../../db/repositories/run-records';
import { recordRun } from '../../db/repositories/runs';
import { findOrCreateUserByEmail } from '../../db/repositories/users';
import { GenieCreateSchema } from '../../domain/schemas/genie';
import { testToolDeps } from '../support/keys';
import { useStack } from '../support/stack';

/** query_data through runToolCall (what the runTool activity does), against real Postgres. */

const { db } = useStack({ fake: false, harness: false }); // Postgres only
let call: (input: unknown) => Promise<{ isError: boolean; result: any }>;
let ownerId: string;
let otherOwnerId: string;
const leadIds: string[] = [];

beforeAll(async () => {
  const owner = await findOrCreateUserByEmail(db, `qd-${crypto.randomUUID()}@example.test`);
  const other = await findOrCreateUserByEmail(db, `qd-other-${crypto.randomUUID()}@example.test`);
  ownerId = owner.id;
  otherOwnerId = other.id;
  const leads = [
    {
      name: 'Ada Okafor',
      email: 'ada@acme.example',
      company: 'Acme',
      status: 'new',
      score: 90,
      created_at: '2026-11-01T10:00:00Z',
    },
    {
      name: 'Ben Schmidt',
      email: 'ben@bluefin.example',
      company: 'Bluefin',
      status: 'qualified',
      score: 55,
      created_at: '2026-11-02T10:00:00Z',
    },
    {
      name: 'Chloé Tanaka',
      email: null,
      company: 'Cobalt',
      status: 'lost',
      score: 10,
      created_at: '2026-11-03T10:00:00Z',
    },
    {
      name: "Robert'); DROP TABLE leads;--",
      email: 'bobby@tables.example',
      company: '100%_real',
      status: 'new',
      score: 70,
      created_at: '2026-11-04T10:00:00Z',
      metadata: { tier: 'gold', tags: ['vip'] },
    },
  ].map((lead) => ({ id: crypto.randomUUID(), ...lead }));
  leadIds.push(...(await insertRows(db, ownerId, 'leads', leads)));
  await insertRows(db, otherOwnerId, 'leads', [
    { name: 'Secret Lead', status: 'new', score: 99, email: 'secret@other.example' },
  ]);
  await insertRows(db, ownerId, 'call_logs', [
    { lead_id: leadIds[0], outcome: 'connected', duration_seconds: 300, transcript: 'word '.repeat(1000) },
  ]);

  const genie = await insertGenie(db, ownerId, GenieCreateSchema.parse({ name: 'q', soul_prompt: 'q' }));
  const runId = crypto.randomUUID();
  await recordRun(db, ownerId, { id: runId, genieId: genie.id, trigger: { type: 'manual' }, input: null });
  let turn = 0;
  call = async (input) => {
    turn += 1;
    const toolUseId = `toolu_${crypto.randomUUID()}`;
    await saveMessage(db, ownerId, {
      runId,
      turn,
      role: 'assistant',
      content: [{ type: 'tool_use', id: toolUseId, name: 'query_data', input }],
    });
    const summary = await runToolCall(testToolDeps(db), { runId, ownerId, genieId: genie.id, turn, toolUseId });
    const step = await db('run_steps').where({ run_id: runId, tool_use_id: toolUseId }).first();
    return { isError: summary.isError, result: step.result };
  };
});

const names = (result: any) => result.rows.map((r: any) => r.name);

describe('query_data operators', () => {
  it.each([
    [{ column: 'status', op: 'eq', value: 'new' }, ['Ada Okafor', "Robert'); DROP TABLE leads;--"]],
    [{ column: 'status', op: 'neq', value: 'new' }, ['Ben Schmidt', 'Chloé Tanaka']],
    [{ column: 'score', op: 'gt', value: 55 }, ['Ada Okafor', "Robert'); DROP TABLE leads;--"]],
    [{ column: 'score', op: 'gte', value: 55 }, ['Ada Okafor', 'Ben Schmidt', "Robert'); DROP TABLE leads;--"]],
    [{ column: 'score', op: 'lt', value: 55 }, ['Chloé Tanaka']],
    [{ column: 'score', op: 'lte', value: '55' }, ['Ben Schmidt', 'Chloé Tanaka']],
    [{ column: 'created_at', op: 'gte', value: '2026-11-03' }, ['Chloé Tanaka', "Robert'); DROP TABLE leads;--"]],
    [{ column: 'status', op: 'in', value: ['qualified', 'lost'] }, ['Ben Schmidt', 'Chloé Tanaka']],
    [{ column: 'name', op: 'contains', value: 'TANAKA' }, ['Chloé Tanaka']],
    [{ column: 'company', op: 'contains', value: '%_' }, ["Robert'); DROP TABLE leads;--"]],
    [{ column: 'email', op: 'is_null', value: true }, ['Chloé Tanaka']],
    [{ column: 'email', op: 'is_null', value: false }, ['Ada Okafor', 'Ben Schmidt', "Robert'); DROP TABLE leads;--"]],
    [{ column: 'metadata', op: 'contains', value: { tier: 'gold' } }, ["Robert'); DROP TABLE leads;--"]],
  ])('filters with %j', async (filter, expected) => {
    const { isError, result } = await call({ table: 'leads', filters: [filter], order_by: { column: 'name' } });
    expect(isError).toBe(false);
    expect(names(result).sort()).toEqual([...expected].sort());
  });

  it('selects columns, orders, pages and counts', async () => {
    const page = await call({
      table: 'leads',
      columns: ['name', 'score'],
      order_by: { column: 'score', direction: 'desc' },
      limit: 2,
    });
    expect(page.result).toEqual({
      rows: [
        { name: 'Ada Okafor', score: 90 },
        { name: "Robert'); DROP TABLE leads;--", score: 70 },
      ],
      row_count: 2,
      truncated: true,
    });
    const next = await call({
      table: 'leads',
      columns: ['name'],
      order_by: { column: 'score', direction: 'desc' },
      limit: 2,
      offset: 2,
    });
    expect(next.result).toMatchObject({ rows: [{ name: 'Ben Schmidt' }, { name: 'Chloé Tanaka' }], truncated: false });
    expect(
      (await call({ table: 'leads', count_only: true, filters: [{ column: 'status', op: 'eq', value: 'new' }] })).result
    ).toEqual({
      rows: [],
      row_count: 2,
      truncated: false,
    });
  });

  it('cuts long text so a transcript cannot flood the context', async () => {
    const { result } = await call({ table: 'call_logs' });
    expect(result.rows[0].transcript).toHaveLength(1000 + '…[cut: 4000 more characters]'.length);
    expect(result.note).toContain('cut to 1000 characters');
  });
});

describe('query_data refusals', () => {
  it.each([
    [{ table: 'users' }, 'table'],
    [{ table: 'leads', filters: [{ column: 'owner_id', op: 'eq', value: 'x' }] }, 'Unknown column "owner_id"'],
    [{ table: 'leads', columns: ['name', 'password'] }, 'Unknown column "password"'],
    [{ table: 'leads', filters: [{ column: 'score', op: 'gt', value: 'lots' }] }, 'needs an integer'],
    [{ table: 'leads', filters: [{ column: 'id', op: 'eq', value: "1' OR '1'='1" }] }, 'needs a uuid'],
    [{ table: 'leads', filters: [{ column: 'name; DROP TABLE leads', op: 'eq', value: 'x' }] }, 'Unknown column'],
    [{ table: 'leads', order_by: { column: 'score desc; DROP TABLE leads' } }, 'Unknown column'],
    [{ table: 'leads', filters: [{ column: 'status', op: 'like', value: 'x' }] }, 'op'],
    [{ table: 'leads', limit: 101 }, 'limit'],
    [{ table: 'leads', owner_id: 'someone' }, 'owner_id'],
  ])('answers %j with an is_error naming the problem', async (input, message) => {
    const { isError, result } = await call(input);
    expect(isError).toBe(true);
    expect(result).toContain(message);
  });

  it('names the valid choices', async () => {
    expect((await call({ table: 'users' })).result).toContain('agents');
    expect((await call({ table: 'leads', columns: ['nope'] })).result).toContain('columns: id, name, email');
  });

  it('treats injection strings in values as data, and the table survives', async () => {
    const { result } = await call({
      table: 'leads',
      filters: [{ column: 'name', op: 'eq', value: "Robert'); DROP TABLE leads;--" }],
    });
    expect(result.row_count).toBe(1);
    expect(
      (await call({ table: 'leads', filters: [{ column: 'name', op: 'eq', value: "' OR 1=1 --" }] })).result.row_count
    ).toBe(0);
    expect((await call({ table: 'leads', count_only: true })).result.row_count).toBe(4);
  });

  it('never returns another owner’s rows, whatever the filters say', async () => {
    const { result } = await call({ table: 'leads', filters: [{ column: 'name', op: 'eq', value: 'Secret Lead' }] });
    expect(result.rows).toEqual([]);
    const other = await db('leads').where({ owner_id: otherOwnerId }).first();
    expect(
      (await call({ table: 'leads', filters: [{ column: 'id', op: 'eq', value: other.id }] })).result.rows
    ).toEqual([]);
    expect(
      (await call({ table: 'leads', filters: [{ column: 'score', op: 'gte', value: 0 }], limit: 100 })).result.row_count
    ).toBe(4);
  });
});
