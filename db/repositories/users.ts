import type { Queryable } from '../index';

export interface User {
  id: string;
  email: string;
  created_at: Date;
}

/** The user with this email (case-insensitive), created when missing. */
export async function findOrCreateUserByEmail(db: Queryable, email: string): Promise<User> {
  const normalised = email.trim();
  const existing = await db<User>('users').whereRaw('lower(email) = lower(?)', [normalised]).first();
  if (existing) return existing;
  const [created] = await db<User>('users')
    .insert({ email: normalised })
    .onConflict(db.raw('(lower(email))'))
    .ignore()
    .returning('*');
  return created ?? (await db<User>('users').whereRaw('lower(email) = lower(?)', [normalised]).first())!;
}

/** The user with this email (case-insensitive), if any. */
export async function findUserByEmail(db: Queryable, email: string): Promise<User | undefined> {
  return db<User>('users').whereRaw('lower(email) = lower(?)', [email.trim()]).first();
}

/** The user's own record. */
export async function getUser(db: Queryable, userId: string): Promise<User | undefined> {
  return db<User>('users').where({ id: userId }).first();
}
