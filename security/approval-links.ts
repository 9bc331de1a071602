import crypto from 'node:crypto';
import type { Vault } from './vault';

/** Approval link tokens start with this (log lines scrub them by shape). */
const PREFIX = 'gat_';
const PURPOSE = 'approval-link';

const message = (approvalId: string, expiresAt: Date) => `${approvalId}:${expiresAt.getTime()}`;

/**
 * The token of an approval's email link: `gat_<approval id>.<key id>.<HMAC>`, signed by the vault
 * (a key derived for this purpose only) over the approval id and its expiry. It proves who may
 * decide without an API key; it stops working when the approval is decided (single use) or expires.
 */
export function approvalLinkToken(vault: Vault, approval: { id: string; expires_at: Date }): string {
  const signed = vault.mac(PURPOSE, message(approval.id, approval.expires_at))!;
  const id = Buffer.from(approval.id.replace(/-/g, ''), 'hex').toString('base64url');
  return `${PREFIX}${id}.${signed.kid}.${signed.mac.toString('base64url')}`;
}

/** The approval id a token names (not yet verified), or undefined for something not shaped like one. */
export function approvalIdOfToken(token: string): string | undefined {
  const match = /^gat_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const hex = Buffer.from(match[1]!, 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Is `token` the link token of this approval (right id, expiry and signature)? Constant-time. */
export function verifyApprovalLinkToken(
  vault: Vault,
  token: string,
  approval: { id: string; expires_at: Date }
): boolean {
  const [, kid, mac] = token.slice(PREFIX.length).split('.');
  if (!kid || !mac || approvalIdOfToken(token) !== approval.id) return false;
  const expected = vault.mac(PURPOSE, message(approval.id, approval.expires_at), kid);
  if (!expected) return false;
  // Compared as text: base64url's last character carries spare bits, so two spellings decode alike.
  const given = Buffer.from(mac);
  const wanted = Buffer.from(expected.mac.toString('base64url'));
  return given.length === wanted.length && crypto.timingSafeEqual(given, wanted);
}
