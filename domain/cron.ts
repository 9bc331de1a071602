/** The `@daily`-style macros a schedule's `cron` may use, as the 5-field expressions they mean. */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A cron expression with any macro spelled out as its 5 fields. */
export const expandCronMacro = (expression: string): string => {
  const trimmed = expression.trim();
  return Object.hasOwn(CRON_MACROS, trimmed) ? CRON_MACROS[trimmed]! : trimmed;
};
