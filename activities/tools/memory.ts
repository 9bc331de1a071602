import { z } from 'zod';
import { deleteMemory, listMemory, readMemory, writeMemory, type MemoryRow } from '../../db/repositories/memory';
import { defineTool, toolError } from './registry';

const MEMORY_VALUE_MAX_BYTES = 64 * 1024;
const MEMORY_LIST_LIMIT = 100;
const MAX_TTL_SECONDS = 10 * 365 * 86_400;

const scope = z
  .enum(['genie', 'account'])
  .default('genie')
  .describe('genie: your own memory (default); account: shared by all genies of your owner');
const key = z.string().min(1).max(256);

const listItem = (row: MemoryRow) => ({
  key: row.key,
  value: row.value,
  updated_at: row.updated_at.toISOString(),
  expires_at: row.expires_at?.toISOString() ?? null,
});

export const memoryRead = defineTool({
  name: 'memory_read',
  description:
    'Read your durable memory. Give `key` for one entry ({found, value}) or `prefix` to list entries whose keys start with it ({items}, up to 100). Memory persists across runs.',
  input: z
    .object({
      key: key.optional().describe('exact key to read'),
      prefix: z.string().max(256).optional().describe('list keys starting with this ("" lists all)'),
      scope,
    })
    .strict()
    .refine((input) => input.key === undefined || input.prefix === undefined, 'give key or prefix, not both'),
  summarize: (input) => `memory_read ${input.scope ?? 'genie'}:${input.key ?? `${input.prefix ?? ''}*`}`,
  transactional: true,
  async execute(ctx, input) {
    const place = { scope: input.scope, genieId: ctx.genie.id };
    if (input.key !== undefined) {
      const row = await readMemory(ctx.db, ctx.ownerId, place, input.key);
      return { isError: false, result: row ? { found: true, value: row.value } : { found: false, value: null } };
    }
    const rows = await listMemory(ctx.db, ctx.ownerId, place, { prefix: input.prefix, limit: MEMORY_LIST_LIMIT });
    return { isError: false, result: { items: rows.map(listItem) } };
  },
});

export const memoryWrite = defineTool({
  name: 'memory_write',
  description:
    'Write a JSON value (at most 64 KiB) to your durable memory under `key`; `value: null` deletes it. Optional `ttl_seconds` makes it expire. Use it to remember what you did between runs.',
  input: z
    .object({
      key,
      value: z.json().nullable().describe('any JSON value; null deletes the key'),
      scope,
      ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
    })
    .strict(),
  summarize: (input) => `memory_write ${input.scope ?? 'genie'}:${input.key ?? '?'}`,
  transactional: true,
  async execute(ctx, input) {
    const place = { scope: input.scope, genieId: ctx.genie.id };
    if (input.value === null) {
      const existed = await deleteMemory(ctx.db, ctx.ownerId, place, input.key);
      return { isError: false, result: { ok: true, deleted: existed } };
    }
    const bytes = Buffer.byteLength(JSON.stringify(input.value), 'utf8');
    if (bytes > MEMORY_VALUE_MAX_BYTES) {
      return toolError(`value is ${bytes} bytes; memory values are limited to ${MEMORY_VALUE_MAX_BYTES} bytes`);
    }
    const expiresAt = input.ttl_seconds ? new Date(Date.now() + input.ttl_seconds * 1000) : null;
    await writeMemory(ctx.db, ctx.ownerId, place, {
      key: input.key,
      value: input.value,
      expiresAt,
      runId: ctx.runId,
      toolUseId: ctx.toolUseId,
    });
    return { isError: false, result: { ok: true } };
  },
});
