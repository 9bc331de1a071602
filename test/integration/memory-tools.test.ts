import crypto from 'node:crypto';
import { runToolCall } from '../../activities/tools/run-tool';
import { insertGenie } from '../../db/repositories/genies';
import { saveMessage } from '../../db/repositories/run-records';
import { recordRun } from '../../db/repositories/runs';
import { findOrCreateUserByEmail } from '../../db/repositories/users';
import { GenieCreateSchema } from '../../domain/schemas/genie';
import { testToolDeps } from '../support/keys';
import { useStack } from '../support/stack';

/** The memory tools through runToolCall (what the runTool activity does), against real Postgres. */

const { db } = useStack({ fake: false, harness: false }); // Postgres only

/** A genie with one run to call tools in; pass `forOwner` to add a sibling genie to an existing owner. */
async function setup(forOwner?: { id: string }) {
  const owner = forOwner ?? (await findOrCreateUserByEmail(db, `mem-${crypto.randomUUID()}@example.test`));
  const genie = await insertGenie(db, owner.id, GenieCreateSchema.parse({ name: 'm', soul_prompt: 'm' }));
  let turn = 0;
  const runId = crypto.randomUUID();
  await recordRun(db, owner.id, { id: runId, genieId: genie.id, trigger: { type: 'manual' }, input: null });
  /** Stores an assistant turn calling `name` with `input`, runs it, and returns the tool's full result. */
  const call = async (name: string, input: unknown, options: { toolUseId?: string } = {}) => {
    turn += 1;
    const toolUseId = options.toolUseId ?? `toolu_${crypto.randomUUID()}`;
    await saveMessage(db, owner.id, {
      runId,
      turn,
      role: 'assistant',
      content: [{ type: 'tool_use', id: toolUseId, name, input }],
    });
    const summary = await runToolCall(testToolDeps(db), {
      runId,
      ownerId: owner.id,
      genieId: genie.id,
      turn,
      toolUseId,
    });
    const step = await db('run_steps').where({ run_id: runId, tool_use_id: toolUseId }).first();
    return { ...summary, result: step.result, toolUseId, turn };
  };
  return { owner, genie, runId, call };
}

it('writes, reads, lists by prefix and deletes with value null', async () => {
  const { call } = await setup();
  expect((await call('memory_write', { key: 'notes/a', value: { x: 1 } })).result).toEqual({ ok: true });
  await call('memory_write', { key: 'notes/b', value: [1, 2] });
  await call('memory_write', { key: 'other', value: 'z' });
  expect((await call('memory_read', { key: 'notes/a' })).result).toEqual({ found: true, value: { x: 1 } });
  const listed = (await call('memory_read', { prefix: 'notes/' })).result;
  expect(listed.items.map((i: any) => [i.key, i.value])).toEqual([
    ['notes/a', { x: 1 }],
    ['notes/b', [1, 2]],
  ]);
  expect((await call('memory_write', { key: 'notes/a', value: null })).result).toEqual({ ok: true, deleted: true });
  expect((await call('memory_read', { key: 'notes/a' })).result).toEqual({ found: false, value: null });
});

it('treats LIKE wildcards in a prefix as plain characters', async () => {
  const { call } = await setup();
  await call('memory_write', { key: 'a%b', value: 1 });
  await call('memory_write', { key: 'axb', value: 2 });
  const listed = (await call('memory_read', { prefix: 'a%' })).result;
  expect(listed.items.map((i: any) => i.key)).toEqual(['a%b']);
});

it('forgets entries after ttl_seconds', async () => {
  const { call } = await setup();
  await call('memory_write', { key: 'short', value: 1, ttl_seconds: 1 });
  expect((await call('memory_read', { key: 'short' })).result.found).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect((await call('memory_read', { key: 'short' })).result.found).toBe(false);
});

it('shares account scope between an owner’s genies, but not genie scope', async () => {
  const { owner, call } = await setup();
  const sibling = await setup(owner);
  await call('memory_write', { key: 'shared', value: 'yes', scope: 'account' });
  await call('memory_write', { key: 'private', value: 'mine' });
  expect((await sibling.call('memory_read', { key: 'shared', scope: 'account' })).result.value).toBe('yes');
  expect((await sibling.call('memory_read', { key: 'private' })).result.found).toBe(false);
});

it('keeps owners apart', async () => {
  const alice = await setup();
  const bob = await setup();
  await alice.call('memory_write', { key: 'secret', value: 1, scope: 'account' });
  expect((await bob.call('memory_read', { key: 'secret', scope: 'account' })).result.found).toBe(false);
});

it('answers is_error for input the tool refuses', async () => {
  const { call } = await setup();
  const tooBig = await call('memory_write', { key: 'big', value: 'x'.repeat(64 * 1024) });
  expect(tooBig).toMatchObject({ isError: true, result: expect.stringContaining('limited to 65536 bytes') });
  expect((await call('memory_read', { key: 'a', prefix: 'b' })).isError).toBe(true);
  expect((await call('memory_write', { key: '', value: 1 })).isError).toBe(true);
  expect((await call('memory_write', { key: 'k', value: 1, ttl_seconds: -5 })).isError).toBe(true);
  expect((await call('memory_write', { key: 'k', value: 1, owner_id: 'someone-else' })).isError).toBe(true);
});

it('acts once per tool_use_id, however often or concurrently the activity repeats', async () => {
  const { owner, genie, runId } = await setup();
  const toolUseId = `toolu_${crypto.randomUUID()}`;
  await saveMessage(db, owner.id, {
    runId,
    turn: 1,
    role: 'assistant',
    content: [{ type: 'tool_use', id: toolUseId, name: 'memory_write', input: { key: 'counter', value: 1 } }],
  });
  const attempt = () =>
    runToolCall(testToolDeps(db), { runId, ownerId: owner.id, genieId: genie.id, turn: 1, toolUseId });
  // Attempts racing each other (a worker presumed dead that is still running), then a late retry.
  const results = [...(await Promise.all([attempt(), attempt(), attempt()])), await attempt()];
  for (const result of results) expect(result).toEqual({ isError: false, preview: '{"ok":true}' });
  expect(await db('run_steps').where({ run_id: runId, tool_use_id: toolUseId })).toHaveLength(1);
  const rows = await db('memory').where({ owner_id: owner.id, key: 'counter' });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ written_by_run_id: runId, written_by_tool_use_id: toolUseId });
  // updated_at equals created_at: the entry was written once, not overwritten by a repeat.
  expect(rows[0].updated_at.getTime()).toBe(rows[0].created_at.getTime());
});
