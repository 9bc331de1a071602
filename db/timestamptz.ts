// Timestamps the API only shows: `timestamptz` text straight to the ISO 8601 string the API
// answers with, for the queries that ask for it (ISO_TIMESTAMPS).
import pg from 'pg';

const TIMESTAMPTZ: number = pg.types.builtins.TIMESTAMPTZ;

/** pg's own parser of `timestamptz` text (postgres-date), which makes the Dates the API prints. */
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ) as (value: string) => Date | number | null;

/** Where `YYYY-MM-DD HH:MM:SS` has digits. */
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

function isDigit(value: string, i: number): boolean {
  const code = value.charCodeAt(i);
  return code >= 48 && code <= 57;
}

/** Whether `value` is `YYYY-MM-DD HH:MM:SS[.f…]+00` (what a UTC session sends) with a year from 1000. */
function isUtcTimestamp(value: string): boolean {
  const length = value.length;
  if (length < 22 || !value.endsWith('+00')) return false;
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== ' ' || value[13] !== ':' || value[16] !== ':') return false;
  if (value[0] === '0') return false; // years 0-99 take a special case in pg's parser
  for (let k = 0; k < DIGITS.length; k++) if (!isDigit(value, DIGITS[k]!)) return false;
  if (length === 22) return true;
  if (length < 24 || value[19] !== '.') return false;
  for (let i = 20; i < length - 3; i++) if (!isDigit(value, i)) return false;
  return true;
}

/**
 * What `toISOString()` says of the Date pg parses from `timestamptz` text, without the Date: for a
 * page of 100 genies, parsing and printing their 200 Dates cost more than presenting everything
 * else about them. The UTC shape is rewritten in place: its fraction cut to whole milliseconds as
 * postgres-date and Date.UTC cut it (`1000 * parseFloat('.ffffff')`, truncated), the same digits
 * otherwise (Postgres only sends valid times). Anything else (another zone, BC, years before 1000
 * or after 9999) is parsed by pg's parser and printed.
 */
export function timestamptzToIso(value: string): string {
  if (!isUtcTimestamp(value)) return (parseTimestamptz(value) as Date).toISOString();
  const ms = value.length === 22 ? 0 : Math.trunc(1000 * parseFloat(value.slice(19, value.length - 3)));
  return `${value.slice(0, 10)}T${value.slice(11, 19)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/**
 * pg type parsers for a query whose times are only shown: `timestamptz` as ISO strings
 * ({@link timestamptzToIso}), every other type as usual. Pass as the query's `types`.
 */
export const ISO_TIMESTAMPS = {
  getTypeParser(oid: number, format: 'text' | 'binary' = 'text'): unknown {
    if (oid === TIMESTAMPTZ && format === 'text') return timestamptzToIso;
    return pg.types.getTypeParser(oid, format);
  },
};

/** ISO 8601 of a stored time: a Date, or the ISO string a query already made of it (ISO_TIMESTAMPS). */
export const isoOf = (value: Date | string): string => (typeof value === 'string' ? value : value.toISOString());
