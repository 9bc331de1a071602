import crypto from 'node:crypto';
import pg from 'pg';
import { ISO_TIMESTAMPS, timestamptzToIso } from '../../db/timestamptz';

/** What the API printed before: pg's Date for the text, as `toISOString()` says it. */
const parseTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (value: string) => unknown;
const viaDate = (value: string): string => (parseTimestamptz(value) as Date).toISOString();

/** `YYYY-MM-DD HH:MM:SS` + `.` and `fraction` digits when given + `+00`, as a UTC session sends it. */
function utcText(ms: number, fraction?: string): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction === undefined ? '' : `.${fraction}`}+00`;
}

describe('timestamptz text to ISO 8601', () => {
  it('says what the Date pg parses would say, for thousands of random UTC times with 0 to 6 fraction digits', () => {
    const from = Date.UTC(1000, 0, 1);
    const to = Date.UTC(9999, 11, 31, 23, 59, 59);
    for (let i = 0; i < 20_000; i++) {
      const ms = from + Math.floor(Math.random() * (to - from));
      const digits = i % 7;
      const fraction = digits === 0 ? undefined : String(crypto.randomInt(10 ** digits)).padStart(digits, '0');
      const text = utcText(ms, fraction);
      expect([text, timestamptzToIso(text)]).toEqual([text, viaDate(text)]);
    }
  });

  it('cuts every fraction to whole milliseconds as the Date does, float products included', () => {
    const base = Date.UTC(2026, 10, 28, 22, 46, 14);
    for (let ms = 0; ms < 1000; ms++) {
      const padded = String(ms).padStart(3, '0');
      for (const fraction of [
        padded,
        `${padded}999`,
        `${padded}001`,
        `${ms}`,
        padded.slice(0, 1),
        padded.slice(0, 2),
      ]) {
        const text = utcText(base, fraction);
        expect([text, timestamptzToIso(text)]).toEqual([text, viaDate(text)]);
      }
    }
  });

  it.each([
    '2026-11-28 22:46:14+00',
    '2026-11-28 22:46:14.976+00',
    '2026-11-28 22:46:14.976123+00',
    '2026-11-28 23:46:14.976+01',
    '2026-11-28 17:16:14.976-05:30',
    '2026-11-28 22:46:14.976Z',
    '0044-03-15 12:00:00+00 BC',
    '0099-01-01 00:00:00+00',
    '0999-12-31 23:59:59.999999+00',
    '1000-01-01 00:00:00+00',
    '9999-12-31 23:59:59.999999+00',
    '12345-01-01 00:00:00+00',
  ])('says what the Date would for %s, whichever way it takes', (text) => {
    expect(timestamptzToIso(text)).toBe(viaDate(text));
  });

  it('is what a query with ISO_TIMESTAMPS gets for timestamptz, and pg’s usual parsers for the rest', () => {
    expect(ISO_TIMESTAMPS.getTypeParser(pg.types.builtins.TIMESTAMPTZ)).toBe(timestamptzToIso);
    for (const oid of [pg.types.builtins.TIMESTAMP, pg.types.builtins.INT4, pg.types.builtins.JSONB]) {
      expect(ISO_TIMESTAMPS.getTypeParser(oid)).toBe(pg.types.getTypeParser(oid));
    }
  });
});
