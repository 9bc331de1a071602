import type { z } from 'zod';
import type { FieldProblem } from '../domain/schemas/genie';
import { decodeCursor, type PageCursor } from '../db/pagination';
import { isUuid } from '../domain/ids';
import { NotFoundError, ValidationError } from './errors';

/** zod issues as `{field, message}` pairs, fields dotted (`schedule.cron`, `tools.2`). */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: base || '(body)', message: plainMessage(issue) }];
  });
}

/** zod's wording for a missing or mistyped value, said plainly: `required`, `must be a number`. */
function plainMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (/received undefined$/.test(issue.message)) return 'required';
  const expected = String(issue.expected);
  return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
}

/** Parses `input` with `schema` or throws a 400 whose details name each bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what = 'Request'): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = fieldProblems(result.error);
    const summary = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw new ValidationError(`${what} is invalid: ${summary}`, problems);
  }
  return result.data;
}

/**
 * The id as a uuid. A missing id is a 400; a malformed one answers 404, exactly as an id that does
 * not exist: a caller learns nothing from the shape of an id.
 */
export function requireId(value: unknown, field: string, what: string): string {
  if (value === undefined || value === null || value === '') {
    throw new ValidationError(`${field} is required`, [{ field, message: 'required' }]);
  }
  if (typeof value !== 'string')
    throw new ValidationError(`${field} must be a string`, [{ field, message: 'must be a string' }]);
  if (!isUuid(value)) throw new NotFoundError(what);
  return value.toLowerCase();
}

/** A page cursor from a request, or a 400 when it is not one this API made. */
export function parseCursor(value: string | undefined): PageCursor | undefined {
  if (value === undefined) return undefined;
  const cursor = decodeCursor(value);
  if (!cursor)
    throw new ValidationError('cursor is invalid', [{ field: 'cursor', message: 'not a cursor from this API' }]);
  return cursor;
}
