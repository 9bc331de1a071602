import type { Client } from '@temporalio/client';
import type { RunRow } from '../../db/repositories/runs';
import { isTerminal } from '../../domain/runs';
import { withTemporalDeadline } from '../../temporal/client';
import { runStatusQuery } from '../../temporal/contract';

/** What a running run is doing now (see LiveCache). */
export interface RunLive {
  phase: string;
  turn: number;
  current_tools: string[];
  /** Attempt of the activity running now (above 1 while Temporal retries it). */
  attempt: number;
  last_failure: string | null;
  activity?: string;
}

/** What Temporal said about a run's workflow. */
export interface RunSnapshot {
  /** The workflow's execution status (`RUNNING`, `TERMINATED`, ...); undefined when describe failed. */
  workflowStatus?: string;
  /** Only for a run that was running or waiting for an approval, and whose workflow answered. */
  live?: RunLive;
}

/** How old a run's snapshot may be before Temporal is asked again. */
const LIVE_MAX_AGE_MS = 2_000;
/** How long one ask may take before the readers are shown what Postgres knows. */
const ASK_TIMEOUT_MS = 2_000;
/** A run nobody read for this long is forgotten. */
const IDLE_MS = 60_000;
/** Runs remembered at once; the least recently read go first. */
const MAX_ENTRIES = 10_000;

export const isActive = (status: string): boolean =>
  status === 'running' || status === 'waiting_approval' || status === 'waiting_budget';

/**
 * Asks Temporal about a run's workflow: `describe` (its execution status and pending activities)
 * and, for a running or waiting run, the `status` query: the phase, turn and tools, and when an
 * activity is being retried, its attempt and last failure (so "the model endpoint is down" shows
 * in the API, not only in the Temporal UI). Never throws: what Temporal cannot tell quickly is left out.
 */
export function askTemporal(temporal: Client): (run: RunRow) => Promise<RunSnapshot> {
  return (run) => {
    const handle = temporal.workflow.getHandle(run.workflow_id);
    return withTemporalDeadline(
      temporal,
      async (): Promise<RunSnapshot> => {
        const query = isActive(run.status) ? handle.query(runStatusQuery) : undefined;
        query?.catch(() => undefined); // awaited below only while the workflow runs
        const description = await handle.describe().catch(() => undefined);
        if (!description) return {}; // not started yet, or Temporal away
        const workflowStatus = description.status.name;
        if (!query || workflowStatus !== 'RUNNING') return { workflowStatus };
        const status = await query.catch(() => undefined);
        if (!status) return { workflowStatus };
        const pending = description.raw.pendingActivities ?? [];
        const retried = [...pending].sort((a, b) => (b.attempt ?? 0) - (a.attempt ?? 0))[0];
        return {
          workflowStatus,
          live: {
            phase: status.phase,
            turn: status.turn,
            current_tools: status.currentTools,
            attempt: retried?.attempt ?? 1,
            last_failure: retried?.lastFailure?.message ?? null,
            ...(retried?.activityType?.name ? { activity: retried.activityType.name } : {}),
          },
        };
      },
      ASK_TIMEOUT_MS
    ).catch(() => ({}));
  };
}

interface Entry {
  /** Whether it was asked for a running (or waiting) run: a run that starts running is asked again. */
  active: boolean;
  snapshot: Promise<RunSnapshot>;
  /** When the answer came; undefined while the ask is in flight. */
  answeredAt?: number;
  readAt: number;
}

export interface LiveCacheOptions {
  maxAgeMs?: number;
  idleMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * What Temporal says about the unfinished runs read through this API process, asked at most once
 * per run every `maxAgeMs` however many readers there are (run detail, streams): readers at the
 * same time share one ask, a fresh answer is served from memory. Runs that ended or that nobody
 * read for a while are forgotten, and at most `maxEntries` are remembered.
 */
export class LiveCache {
  private readonly entries = new Map<string, Entry>(); // least recently read first
  private readonly maxAgeMs: number;
  private readonly idleMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly ask: (run: RunRow) => Promise<RunSnapshot>,
    options: LiveCacheOptions = {}
  ) {
    this.maxAgeMs = options.maxAgeMs ?? LIVE_MAX_AGE_MS;
    this.idleMs = options.idleMs ?? IDLE_MS;
    this.maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  /** What Temporal says about the run's workflow, at most `maxAgeMs` old. Nothing for an ended run. */
  snapshot(run: RunRow): Promise<RunSnapshot> {
    if (isTerminal(run.status)) {
      this.forget(run.id);
      return Promise.resolve({});
    }
    const now = this.now();
    const active = isActive(run.status);
    let entry = this.entries.get(run.id);
    this.entries.delete(run.id); // set again below: the map stays in order of last read
    const fresh =
      entry?.active === active && (entry.answeredAt === undefined || now - entry.answeredAt < this.maxAgeMs);
    if (!entry || !fresh) {
      const asked: Entry = { active, readAt: now, snapshot: this.ask(run).catch(() => ({})) };
      void asked.snapshot.then(() => (asked.answeredAt = this.now()));
      entry = asked;
    }
    entry.readAt = now;
    this.entries.set(run.id, entry);
    this.sweep(now);
    return entry.snapshot;
  }

  /** What the run is doing now, if it is running or waiting for an approval and Temporal could tell. */
  async live(run: RunRow): Promise<RunLive | undefined> {
    if (!isActive(run.status)) return undefined;
    return (await this.snapshot(run)).live;
  }

  /** Forgets the run (it ended, or was just changed): its next reader asks Temporal. */
  forget(runId: string): void {
    this.entries.delete(runId);
  }

  /** Runs remembered now. */
  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    for (const [runId, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && now - entry.readAt < this.idleMs) break;
      this.entries.delete(runId);
    }
  }
}
