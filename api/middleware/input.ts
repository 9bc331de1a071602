// Request input the service refuses before any handler sees it: malformed paths, NUL characters
// (Postgres cannot store U+0000 in text or jsonb), and JSON nested deep enough to exhaust a stack.
import type { RequestHandler } from 'express';
import type { FieldProblem } from '../../domain/schemas/genie';
import { ValidationError } from '../errors';

/** JSON bodies nested deeper than this (objects and arrays) are refused. */
const JSON_MAX_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of objects and arrays in raw JSON text (brackets inside strings do not count). */
function jsonDepth(raw: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/** A JSON body nested too deep; thrown from the body parser's `verify`, before parsing. */
class JsonTooDeepError extends ValidationError {
  constructor() {
    super(`JSON body is nested deeper than ${JSON_MAX_DEPTH} levels`, [
      { field: '(body)', message: `nested deeper than ${JSON_MAX_DEPTH} levels` },
    ]);
  }
}

/** express.json's `verify`: refuses bodies nested deeper than JSON_MAX_DEPTH before they are parsed. */
export function verifyJsonDepth(_req: unknown, _res: unknown, raw: Buffer): void {
  if (jsonDepth(raw) > JSON_MAX_DEPTH) throw new JsonTooDeepError();
}

const hasNul = (value: string) => value.includes('\u0000');

/** Where a parsed JSON value holds U+0000, in keys or strings, as dotted field paths. */
function nulFields(value: unknown, path: string[] = [], found: FieldProblem[] = []): FieldProblem[] {
  const field = () => path.join('.') || '(body)';
  if (typeof value === 'string') {
    if (hasNul(value)) found.push({ field: field(), message: 'must not contain the NUL character (U+0000)' });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => nulFields(item, [...path, String(index)], found));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (hasNul(key)) {
        found.push({ field: field(), message: 'must not have a key containing the NUL character (U+0000)' });
      } else {
        nulFields(item, [...path, key], found);
      }
    }
  }
  return found;
}

/**
 * Refuses a request whose path is not valid percent-encoding or holds U+0000, or whose query string
 * or JSON body holds U+0000 anywhere, naming where.
 */
export const refuseBadInput: RequestHandler = (req, _res, next) => {
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    throw new ValidationError('The path is not valid percent-encoding', [
      { field: '(path)', message: 'malformed percent-encoding' },
    ]);
  }
  const problems: FieldProblem[] = [];
  if (hasNul(path)) problems.push({ field: '(path)', message: 'must not contain the NUL character (U+0000)' });
  for (const problem of nulFields(req.query)) problems.push({ ...problem, field: `query.${problem.field}` });
  problems.push(...nulFields(req.body));
  if (problems.length > 0) {
    throw new ValidationError(`Request holds the NUL character: ${problems.map((p) => p.field).join(', ')}`, problems);
  }
  next();
};
