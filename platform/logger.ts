import pino, { type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import { logsArePretty, type Config } from './config';

export type Logger = pino.Logger;

/** Secret-looking fields, redacted wherever they appear in a logged object. */
const REDACTED_PATHS = [
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
  'token',
  '*.token',
];

/**
 * Secrets the service issues, recognised by their shape wherever they end up in a line (a header,
 * a query string, an error message): API keys, webhook secrets, signed approval tokens.
 */
const SECRET_SHAPES: Array<[RegExp, string]> = [
  [/hg_live_[A-Za-z0-9_-]{4,}/g, 'hg_live_[REDACTED]'],
  [/whsec_[A-Za-z0-9+/=_-]{8,}/g, 'whsec_[REDACTED]'],
  [/gat_[A-Za-z0-9_.-]{16,}/g, 'gat_[REDACTED]'],
];

/** A log line with every secret the service issues replaced by its redacted form. */
export function scrubSecrets(line: string): string {
  let scrubbed = line;
  for (const [shape, replacement] of SECRET_SHAPES) scrubbed = scrubbed.replace(shape, replacement);
  return scrubbed;
}

/** Fields a person reading a terminal does not need: the request line's message already says them. */
const PRETTY_IGNORED = 'pid,hostname,req,res,responseTime,reqId';

/** One readable line per entry: time, level, name, message, then the remaining fields as JSON. */
function prettyStream(destination?: DestinationStream): DestinationStream {
  return pretty({
    destination,
    colorize: !destination && (process.stdout.isTTY === true || process.env.FORCE_COLOR !== undefined),
    translateTime: 'HH:MM:ss.l',
    ignore: PRETTY_IGNORED,
    singleLine: true,
    sync: true,
  });
}

/**
 * One logger per process: JSON lines, or pretty lines for people (see `logsArePretty`). Secret-
 * looking fields are redacted wherever they appear, and every written line is scrubbed of secrets
 * by their shape, so a careless `log.info({ headers })` or an error message quoting a URL cannot
 * leak an API key.
 */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL'> & Partial<Pick<Config, 'LOG_FORMAT'>>,
  name: string,
  destination?: DestinationStream
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    hooks: { streamWrite: scrubSecrets },
  };
  // A given destination (tests) is written JSON unless pretty lines are asked for by name.
  const forPeople = destination ? config.LOG_FORMAT === 'pretty' : logsArePretty(config);
  if (forPeople) return pino(options, prettyStream(destination));
  return destination ? pino(options, destination) : pino(options);
}
