import type { CredentialStatus, CredentialType } from '../../domain/credentials';
import type { Queryable } from '../index';

export interface CredentialRow {
  id: string;
  owner_id: string;
  name: string;
  credential_type: CredentialType;
  header_name: string | null;
  query_param: string | null;
  allowed_hosts: string[];
  hint: string | null;
  /** Always `ok` but for an `oauth2` credential whose refresh token was refused. */
  status: CredentialStatus;
  /** `oauth2` only: where it refreshes, as which client, asking for what. */
  token_url: string | null;
  client_id: string | null;
  scope: string | null;
  /** The vault's ciphertext of the secret (of an `oauth2` credential: its secrets, as one JSON document). */
  ciphertext: string;
  key_id: string;
  created_at: Date;
  updated_at: Date;
  last_used_at: Date | null;
}

export type CredentialFields = Pick<
  CredentialRow,
  | 'name'
  | 'credential_type'
  | 'header_name'
  | 'query_param'
  | 'allowed_hosts'
  | 'hint'
  | 'status'
  | 'token_url'
  | 'client_id'
  | 'scope'
>;

const columns = (fields: Partial<CredentialFields> & { ciphertext?: string; key_id?: string }) => ({
  ...fields,
  ...(fields.allowed_hosts ? { allowed_hosts: JSON.stringify(fields.allowed_hosts) } : {}),
});

/** Inserts a credential whose secret the caller sealed for this id (the id is bound into the ciphertext). */
export async function insertCredential(
  db: Queryable,
  ownerId: string,
  id: string,
  fields: CredentialFields & { ciphertext: string; key_id: string }
): Promise<CredentialRow> {
  const [row] = (await db('credentials')
    .insert({ id, owner_id: ownerId, ...columns(fields) })
    .returning('*')) as CredentialRow[];
  return row!;
}

export async function updateCredential(
  db: Queryable,
  ownerId: string,
  id: string,
  fields: Partial<CredentialFields> & { ciphertext?: string; key_id?: string }
): Promise<CredentialRow | undefined> {
  const [row] = (await db('credentials')
    .where({ owner_id: ownerId, id })
    .update({ ...columns(fields), updated_at: db.fn.now() })
    .returning('*')) as CredentialRow[];
  return row;
}

export async function findCredentialByName(
  db: Queryable,
  ownerId: string,
  name: string
): Promise<CredentialRow | undefined> {
  return db<CredentialRow>('credentials').where({ owner_id: ownerId, name }).first();
}

export async function findCredentialById(
  db: Queryable,
  ownerId: string,
  id: string
): Promise<CredentialRow | undefined> {
  return db<CredentialRow>('credentials').where({ owner_id: ownerId, id }).first();
}

export async function findCredentialsByNames(
  db: Queryable,
  ownerId: string,
  names: string[]
): Promise<CredentialRow[]> {
  if (names.length === 0) return [];
  return db<CredentialRow>('credentials').where({ owner_id: ownerId }).whereIn('name', names);
}

/**
 * The credential's row, locked until the transaction `trx` ends (`SELECT … FOR UPDATE`): whoever
 * refreshes an `oauth2` credential holds it, so processes take turns and each reads what the last stored.
 */
export async function lockCredential(trx: Queryable, ownerId: string, id: string): Promise<CredentialRow | undefined> {
  return trx<CredentialRow>('credentials').where({ owner_id: ownerId, id }).forUpdate().first();
}

/** Stores newly sealed secrets (a refreshed token), leaving `updated_at` to its owner's changes. */
export async function storeCredentialSecrets(
  db: Queryable,
  ownerId: string,
  id: string,
  sealed: { ciphertext: string; key_id: string }
): Promise<void> {
  await db('credentials').where({ owner_id: ownerId, id }).update(sealed);
}

/** Sets `status` to `needs_reauth`; true only when it was `ok` (so its owner is told once). */
export async function markCredentialNeedsReauth(db: Queryable, ownerId: string, id: string): Promise<boolean> {
  return (
    (await db('credentials').where({ owner_id: ownerId, id, status: 'ok' }).update({ status: 'needs_reauth' })) > 0
  );
}

export async function listCredentials(db: Queryable, ownerId: string): Promise<CredentialRow[]> {
  return db<CredentialRow>('credentials').where({ owner_id: ownerId }).orderBy('name');
}

export async function deleteCredential(db: Queryable, ownerId: string, id: string): Promise<boolean> {
  return (await db('credentials').where({ owner_id: ownerId, id }).delete()) > 0;
}

export async function touchCredential(db: Queryable, ownerId: string, id: string): Promise<void> {
  await db('credentials').where({ owner_id: ownerId, id }).update({ last_used_at: db.fn.now() });
}

/** Every credential of every owner, in batches, for key rotation (an operator task, not a request). */
export async function listAllCredentialsForRotation(
  db: Queryable,
  afterId: string | null,
  limit: number
): Promise<CredentialRow[]> {
  const query = db<CredentialRow>('credentials').orderBy('id').limit(limit);
  if (afterId) query.where('id', '>', afterId);
  return query;
}
