/** Escapes `\`, `%` and `_` for a `LIKE … ESCAPE '\'` pattern, so user text matches literally. */
export const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);
