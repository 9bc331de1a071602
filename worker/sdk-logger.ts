import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';
import type { Logger } from '../platform/logger';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  // The SDK's INFO lines (webpack output, state changes) are noise at our info level.
  DEBUG: 'debug',
  INFO: 'debug',
  WARN: 'warn',
  ERROR: 'error',
};

/** Context the SDK adds to every activity line that says nothing to a reader (an opaque token). */
const NOISE = new Set(['taskToken']);

/** Context the SDK adds that a person at a terminal does without: the line names the run already. */
const PRETTY_NOISE = new Set([
  'taskToken',
  'namespace',
  'taskQueue',
  'workflowRunId',
  'workflowType',
  'activityId',
  'isLocal',
  'sdkComponent',
]);

/** In pretty mode an ordinary line names its run itself; warnings and errors keep where they happened. */
const PRETTY_ROUTINE_NOISE = new Set([...PRETTY_NOISE, 'activityType', 'workflowId']);

/** `Name: message ← Cause: message ← …`: an error and its causes on one line. */
export function causeChain(error: Error): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && parts.length < 5) {
    parts.push(`${current.name}: ${current.message}`);
    current = current.cause;
  }
  return parts.join(' ← ');
}

/**
 * The SDK's metadata made fit for a log line: errors become `{type, message, stack}` (pino would
 * print a bare `{}`), or, for people, their messages and causes on one line; opaque context is
 * left out.
 */
export function logFields(meta: LogMetadata | undefined, pretty: boolean, routine = false): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const noise = !pretty ? NOISE : routine ? PRETTY_ROUTINE_NOISE : PRETTY_NOISE;
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (noise.has(key) || (pretty && key === 'attempt' && value === 1)) continue;
    if (value instanceof Error) {
      if (pretty) fields[key === 'error' ? 'failure' : key] = causeChain(value);
      else fields[key === 'error' ? 'err' : key] = pino.stdSerializers.err(value);
    } else fields[key] = value;
  }
  return fields;
}

/** Routes the Temporal SDK's logs (worker, workflow and activity loggers) into our pino logger. */
export class PinoSdkLogger implements SdkLogger {
  constructor(
    private readonly logger: Logger,
    private readonly pretty = false
  ) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // Our own activity and workflow log lines keep their level; the SDK's internal INFO is debug.
    const ours = meta?.sdkComponent === 'activity' || meta?.sdkComponent === 'workflow';
    const pinoLevel = ours && level === 'INFO' ? 'info' : PINO_LEVEL[level];
    if (!this.logger.isLevelEnabled(pinoLevel)) return; // the SDK logs every activity at debug
    this.logger[pinoLevel](logFields(meta, this.pretty, pinoLevel !== 'warn' && pinoLevel !== 'error'), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
