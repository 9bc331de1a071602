import crypto from 'node:crypto';

const sha256 = (value: string): Buffer => crypto.createHash('sha256').update(value, 'utf8').digest();

/**
 * Does an `Authorization` header carry `Bearer <token>`? Compared in constant time (as hashes, so
 * not even the token's length shows). For fixed operator tokens such as `GENIE_METRICS_TOKEN`.
 */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  return crypto.timingSafeEqual(sha256(match[1]), sha256(token));
}
