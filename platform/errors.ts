/**
 * A start-up failure whose message is fit to print to a user on one line, without a stack trace
 * (a port in use, a missing binary, an unreachable database).
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Bad settings: thrown by `parseConfig` (platform/config.ts); its message names every bad variable on one line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
