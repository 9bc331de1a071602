/** The longest preview a step keeps (and the workflow history sees). */
const PREVIEW_MAX_CHARS = 300;

/** A one-line, bounded rendering of a value for run steps and the Temporal UI. */
export function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const line = (text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > PREVIEW_MAX_CHARS ? `${line.slice(0, PREVIEW_MAX_CHARS - 1)}…` : line;
}
