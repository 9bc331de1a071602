import type { ApprovalStatus } from '../../domain/approvals';
import type { Queryable } from '../index';
import { newestFirst, type PageCursor } from '../pagination';
import { announceRunEvent } from '../run-events';

export interface ApprovalRow {
  id: string;
  owner_id: string;
  run_id: string;
  genie_id: string;
  tool: string;
  tool_use_id: string;
  input: unknown;
  status: ApprovalStatus;
  note: string | null;
  /** When it was requested. */
  created_at: Date;
  decided_at: Date | null;
  expires_at: Date;
  /** The decision the owner sent to the run (recorded as `status` once the run takes it). */
  decision_sent: 'approved' | 'denied' | null;
  decision_sent_at: Date | null;
}

export interface NewApproval {
  runId: string;
  genieId: string;
  tool: string;
  toolUseId: string;
  input: unknown;
  /** It expires this long after it is requested (both times are the database's). */
  timeoutSeconds: number;
}

/**
 * The approval of one gated call, created once: a repeated request (a retried activity) returns
 * the first, whatever has happened to it since.
 */
export async function claimApproval(db: Queryable, ownerId: string, approval: NewApproval): Promise<ApprovalRow> {
  const [inserted] = (await db('approvals')
    .insert({
      owner_id: ownerId,
      run_id: approval.runId,
      genie_id: approval.genieId,
      tool: approval.tool,
      tool_use_id: approval.toolUseId,
      input: JSON.stringify(approval.input ?? null),
      expires_at: db.raw('now() + make_interval(secs => ?)', [approval.timeoutSeconds]),
    })
    .onConflict(['run_id', 'tool_use_id'])
    .ignore()
    .returning('*')) as ApprovalRow[];
  if (inserted) {
    await announceRunEvent(db, { run: approval.runId, approval: inserted.id });
    return inserted;
  }
  return (await db<ApprovalRow>('approvals')
    .where({ owner_id: ownerId, run_id: approval.runId, tool_use_id: approval.toolUseId })
    .first())!;
}

export async function findApproval(db: Queryable, ownerId: string, id: string): Promise<ApprovalRow | undefined> {
  return db<ApprovalRow>('approvals').where({ owner_id: ownerId, id }).first();
}

/**
 * An approval by id alone: for the email link page, whose signed token is the caller's only proof
 * (the token names the approval; the owner comes from the row).
 */
export async function findApprovalByLink(db: Queryable, id: string): Promise<ApprovalRow | undefined> {
  return db<ApprovalRow>('approvals').where({ id }).first();
}

/** A page of the owner's approvals, newest first; fetches `limit + 1` rows. */
export async function listApprovals(
  db: Queryable,
  ownerId: string,
  options: { status?: ApprovalStatus; runId?: string; limit: number; cursor?: PageCursor }
): Promise<ApprovalRow[]> {
  const query = db<ApprovalRow>('approvals').where({ owner_id: ownerId });
  if (options.status) query.andWhere({ status: options.status });
  if (options.runId) query.andWhere({ run_id: options.runId });
  return newestFirst(query, options.cursor).limit(options.limit + 1);
}

/** Every approval of a run, oldest first. */
export async function listRunApprovals(db: Queryable, ownerId: string, runId: string): Promise<ApprovalRow[]> {
  return db<ApprovalRow>('approvals')
    .where({ owner_id: ownerId, run_id: runId })
    .orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

/**
 * Settles a pending approval, once: an approval already settled keeps its first outcome (a decision
 * racing the expiry: whichever is recorded first wins). An owner's decision (approved, denied) is
 * recorded only when the API reserved that very decision (`decision_sent`, see reserveDecision):
 * a decision that reached the run some other way (a signal or update sent straight to Temporal)
 * leaves the approval pending. Expiry needs no owner. Answers the approval as it now is.
 */
export async function settleApproval(
  db: Queryable,
  ownerId: string,
  id: string,
  outcome: { status: Exclude<ApprovalStatus, 'pending'>; note: string | null }
): Promise<ApprovalRow | undefined> {
  const query = db('approvals').where({ owner_id: ownerId, id, status: 'pending' });
  if (outcome.status !== 'expired') query.andWhere({ decision_sent: outcome.status });
  const [row] = (await query
    .update({ status: outcome.status, note: outcome.note, decided_at: db.fn.now() })
    .returning('*')) as ApprovalRow[];
  if (row) {
    await announceRunEvent(db, { run: row.run_id, approval: row.id });
    return row;
  }
  return findApproval(db, ownerId, id);
}

/**
 * Reserves `decision` as the one to send to the approval's run: true for the first caller, and for
 * a retry of the same decision; false once another decision was sent, or the approval is settled
 * or past its expiry. So two clicks never race each other inside the workflow.
 */
export async function reserveDecision(
  db: Queryable,
  ownerId: string,
  id: string,
  decision: 'approved' | 'denied'
): Promise<boolean> {
  const updated = await db('approvals')
    .where({ owner_id: ownerId, id, status: 'pending' })
    .where('expires_at', '>', db.fn.now())
    .where((q) => q.whereNull('decision_sent').orWhere('decision_sent', decision))
    .update({ decision_sent: decision, decision_sent_at: db.fn.now() });
  return updated === 1;
}

/** Expires what a run still waits on when it ends (cancelled, timed out, failed). */
export async function expireRunApprovals(db: Queryable, ownerId: string, runId: string, note: string): Promise<void> {
  const rows: Array<{ id: string }> = await db('approvals')
    .where({ owner_id: ownerId, run_id: runId, status: 'pending' })
    .update({ status: 'expired', note, decided_at: db.fn.now() })
    .returning('id');
  for (const { id } of rows) await announceRunEvent(db, { run: runId, approval: id });
}
