import pino from 'pino';
import type { Config } from './config';

export type Logger = pino.Logger;

/**
 * One JSON logger per process. Secret-looking fields are redacted wherever they appear, so a
 * careless `log.info({ headers })` cannot leak an Authorization header or API key.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({
    name,
    level: config.LOG_LEVEL,
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        '*.headers.authorization',
        'req.headers.authorization',
        'password',
        '*.password',
        'secret',
        '*.secret',
        'value',
        '*.value',
        'apiKey',
        '*.apiKey',
      ],
      censor: '[REDACTED]',
    },
  });
}
