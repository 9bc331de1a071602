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

/** Letters and digits, in every secret's alphabet. */
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `%XX` for the byte of `char`, either case of hex, percent-encoded any number of times (`%255F`). */
function percentEncoded(chars: string): string {
  const hexes = [...new Set([...chars].map((c) => c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')))];
  const eitherCase = (hex: string) =>
    [...hex].map((digit) => (/[A-F]/.test(digit) ? `[${digit}${digit.toLowerCase()}]` : digit)).join('');
  return `%(?:25)*(?:${hexes.map(eitherCase).join('|')})`;
}

/** `prefix` as sent or with any of its characters percent-encoded (`hg%5Flive%5F`). */
const prefixPattern = (prefix: string) =>
  [...prefix].map((c) => `(?:${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|${percentEncoded(c)})`).join('');

/** `prefix`, then at least `min` letters, digits or `extra` characters, each as sent or percent-encoded. */
function secretShape(prefix: string, extra: string, min: number): RegExp {
  const plain = `[A-Za-z0-9${extra.replace(/[-\]\\^/]/g, '\\$&')}]`;
  return new RegExp(`${prefixPattern(prefix)}(?:${plain}|${percentEncoded(ALPHANUMERIC + extra)}){${min},}`, 'g');
}

/**
 * Secrets the service issues, recognised by their shape wherever they end up in a line (a header,
 * a query string, an error message): API keys, webhook secrets, signed approval tokens — also
 * percent-encoded, once or more, in part or whole (`hg%5Flive%5F…`, `whsec_ab%2Bcd…`), where a
 * URL carried them; the whole secret goes, its encoded characters too.
 */
const SECRET_SHAPES: Array<[RegExp, string]> = [
  [secretShape('hg_live_', '_-', 4), 'hg_live_[REDACTED]'],
  [secretShape('whsec_', '+/=_-', 8), 'whsec_[REDACTED]'],
  [secretShape('gat_', '_.-', 16), 'gat_[REDACTED]'],
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
