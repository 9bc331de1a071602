import crypto from 'node:crypto';
import type { Vault, VaultContext } from './vault';

/** A new Standard Webhooks signing secret: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64')}`;
}

/** Sealed secrets are bound to their genie: one copied to another genie or owner does not open. */
const contextOf = (ownerId: string, genieId: string): VaultContext => ({ ownerId, credentialId: `webhook:${genieId}` });

export function sealWebhookSecret(vault: Vault, ownerId: string, genieId: string, secret: string): string {
  return vault.encrypt(secret, contextOf(ownerId, genieId));
}

export function openWebhookSecret(vault: Vault, ownerId: string, genieId: string, sealed: string): string {
  return vault.decrypt(sealed, contextOf(ownerId, genieId));
}
