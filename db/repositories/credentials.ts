import type { CredentialType } from '../../domain/credentials';
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
  ciphertext: string;
  key_id: string;
  created_at: Date;
  updated_at: Date;
  last_used_at: Date | null;
}

export type CredentialFields = Pick<
  CredentialRow,
  'name' | 'credential_type' | 'header_name' | 'query_param' | 'allowed_hosts' | 'hint'
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
