import type { GenieRow } from '../db/repositories/genies';
import type { RunRow } from '../db/repositories/runs';
import type { RunTrigger } from '../domain/runs';

/** What the platform tells every genie before its soul prompt. Stable for the whole run (cacheable). */
export function systemPrompt(genie: GenieRow, run: RunRow, toolNames: string[]): string {
  const startedAt = (run.started_at ?? run.created_at).toISOString();
  const credentials = genie.credential_refs.length
    ? `Credentials web_fetch may use, by name: ${genie.credential_refs.join(', ')}. Their values are injected by the platform; you never see them.`
    : 'No credentials are configured for you.';
  return [
    `You are "${genie.name}", a Worker Genie: an autonomous background agent.`,
    'You run without a human in the loop; nobody can answer questions during this run. Use your tools, then finish with a short final answer that says what you did and found.',
    `This run started at ${startedAt} (trigger: ${run.trigger_type}).`,
    toolNames.length ? `Tools available: ${toolNames.join(', ')}.` : 'You have no tools in this run.',
    credentials,
    '',
    '--- Your instructions from your owner ---',
    genie.soul_prompt,
  ].join('\n');
}

/** The run's first user message: the input it was started with, and how it was triggered. */
export function openingMessage(input: unknown, trigger: RunTrigger): string {
  const lines: string[] = [];
  if (trigger.type === 'schedule') {
    lines.push(`This is a scheduled run${trigger.scheduledAt ? ` (scheduled for ${trigger.scheduledAt})` : ''}.`);
  } else if (trigger.type === 'event') {
    lines.push(`This run was triggered by an event${trigger.eventType ? ` of type "${trigger.eventType}"` : ''}.`);
  } else if (trigger.type === 'delegated') {
    lines.push('Another genie of your owner asked you to do this task: your final answer is what it gets back.');
  } else {
    lines.push('This run was started on demand.');
  }
  if (input === null || input === undefined || input === '') {
    lines.push('No input was given: do your job as your instructions describe.');
  } else if (typeof input === 'string') {
    lines.push('Input:', input);
  } else {
    lines.push('Input (JSON):', '```json', JSON.stringify(input, null, 2), '```');
  }
  return lines.join('\n');
}
