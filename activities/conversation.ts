import type Anthropic from '@anthropic-ai/sdk';
import { loadTranscript, toolUsesOf, type ContentBlock } from '../db/repositories/run-records';
import type { Queryable } from '../db';
import { EPHEMERAL } from './anthropic';

/** Text of a message's text blocks, joined. */
export const textOf = (content: ContentBlock[]): string =>
  content
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n')
    .trim();

const toolResultContent = (result: unknown): string => (typeof result === 'string' ? result : JSON.stringify(result));

/**
 * Rebuilds the conversation from the claim-check tables: the stored messages in turn order, each
 * assistant tool call answered by its stored tool step (a call that never ran — cut off by the run's
 * end or by max_tokens — is answered with an error). Consecutive messages of one role (a paused or
 * cut-off reply and its continuation) are merged, as the Messages API expects.
 */
export async function buildConversation(
  db: Queryable,
  ownerId: string,
  runId: string
): Promise<Anthropic.MessageParam[]> {
  const { messages: rows, results: steps } = await loadTranscript(db, ownerId, runId);

  const messages: Array<{ role: 'user' | 'assistant'; content: ContentBlock[] }> = [];
  const push = (role: 'user' | 'assistant', content: ContentBlock[]) => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content = [...last.content, ...content];
    else messages.push({ role, content: [...content] });
  };
  for (const row of rows) {
    push(row.role, row.content);
    const calls = row.role === 'assistant' ? toolUsesOf(row.content) : [];
    if (calls.length === 0) continue;
    push(
      'user',
      calls.map((call) => {
        const step = steps.get(call.id);
        return step
          ? {
              type: 'tool_result',
              tool_use_id: call.id,
              content: toolResultContent(step.result),
              is_error: step.is_error,
            }
          : { type: 'tool_result', tool_use_id: call.id, content: 'This tool call was not run.', is_error: true };
      })
    );
  }
  return messages as unknown as Anthropic.MessageParam[];
}

/**
 * Marks the end of the conversation as a cache breakpoint, so the next turn re-reads everything
 * before it from the prompt cache instead of paying for it again.
 */
export function withConversationBreakpoint(messages: Anthropic.MessageParam[]): Anthropic.MessageParam[] {
  const copy = messages.map((m) => ({ ...m, content: Array.isArray(m.content) ? [...m.content] : m.content }));
  const last = copy[copy.length - 1];
  if (last && Array.isArray(last.content) && last.content.length > 0) {
    const index = last.content.length - 1;
    last.content[index] = { ...last.content[index], cache_control: EPHEMERAL } as (typeof last.content)[number];
  }
  return copy as Anthropic.MessageParam[];
}
