// Delegation: a genie asking another of its owner's genies (the `ask_genie` tool). Pure: imported by
// workflows, activities and the API alike.

/** The tool a genie with delegates is offered. */
export const ASK_GENIE_TOOL = 'ask_genie';

/** At most this many delegates per genie. */
export const MAX_DELEGATES = 10;

/** A chain of runs asking runs is at most this deep (the first run is 1). */
export const MAX_DELEGATION_DEPTH = 3;

/** A delegate as the model reads it in ask_genie's description. */
export interface DelegateView {
  id: string;
  name: string;
  description: string;
}

/** ask_genie's description: what it does, and each delegate by name and id with its description. */
export function askGenieDescription(delegates: readonly DelegateView[]): string {
  const lines = delegates.map(
    (d) => `- "${d.name}" (id ${d.id})${d.description.trim() ? `: ${d.description.trim().replace(/\s+/g, ' ')}` : ''}`
  );
  return [
    'Ask another genie of your owner to do a task. It runs on its own, with its own tools, and you get',
    'its final answer: {run_id, status, output}. Give it everything it needs in `input`; it cannot see',
    'this conversation. Genies you can ask:',
    ...(lines.length ? lines : ['(none is available now)']),
  ].join('\n');
}

/** The delegate a call names: by id, else by name (case-insensitive), among those offered. */
export function findDelegate<D extends DelegateView>(delegates: readonly D[], named: string): D | undefined {
  const wanted = named.trim();
  return delegates.find((d) => d.id === wanted) ?? delegates.find((d) => d.name.toLowerCase() === wanted.toLowerCase());
}
