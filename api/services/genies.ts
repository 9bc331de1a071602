import type { Client } from '@temporalio/client';
import * as genies from '../../db/repositories/genies';
import { listRecentRuns, listUnfinishedRuns } from '../../db/repositories/runs';
import { runsWaitingForBudget } from '../../db/repositories/budgets';
import { listDelegates } from '../../db/repositories/delegation';
import type { Db, Queryable } from '../../db';
import { checkUrl, compilePolicy, FetchRefusedError, type FetchPolicy } from '../../fetch/ssrf';
import { newWebhookSecret, sealWebhookSecret } from '../../security/webhook-secrets';
import type { Vault } from '../../security/vault';
import type { TriggerType } from '../../domain/runs';
import { WEBHOOK_PREVIOUS_SECRET_HOURS } from '../../domain/webhooks';
import {
  genieConsistencyProblems,
  mergeGenieUpdate,
  normalizeGenie,
  type GenieCreate,
  type GenieSpec,
  type GenieUpdate,
} from '../../domain/schemas/genie';
import { signalBudgetChanged, terminateIfPresent } from '../../temporal/client';
import { eventInboxWorkflowId } from '../../temporal/contract';
import type { GenieSchedules } from '../../temporal/genie-schedules';
import type { ScheduledGenie } from '../../temporal/schedule-options';
import { spendByGenie } from '../../db/repositories/spend';
import { priceOf, type PriceTable } from '../../domain/prices';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { page, presentGenie, presentRun, type RunLinks } from '../../db/presenters';
import { parseCursor } from '../validation';
import type { CredentialService } from './credentials';
import type { EventService } from './events';

/** How many runs `get` shows under `recent_runs`. */
const RECENT_RUNS_LIMIT = 10;

function assertConsistent(spec: GenieSpec): void {
  const problems = genieConsistencyProblems(spec);
  if (problems.length > 0) {
    throw new ValidationError(
      `Genie is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      problems
    );
  }
}

const isScheduled = (row: genies.GenieRow): row is genies.GenieRow & ScheduledGenie =>
  row.trigger_type === 'schedule' && row.schedule !== null;

/** Why a webhook URL is refused (the web_fetch address rules), or undefined. */
function webhookUrlProblem(url: string | null, policy: FetchPolicy): string | undefined {
  if (url === null) return undefined;
  try {
    checkUrl(new URL(url), compilePolicy(policy));
    return undefined;
  } catch (err) {
    return err instanceof FetchRefusedError ? err.message : 'not a valid URL';
  }
}

/** A listed genie's newest run, in brief (null when it has none). */
function lastRunOf(row: genies.ListedGenieRow) {
  if (!row.last_run_id) return null;
  return {
    id: row.last_run_id,
    status: row.last_run_status!,
    created_at: row.last_run_created_at!,
    finished_at: row.last_run_finished_at,
  };
}

/**
 * Genie operations behind the API. Each takes the caller's owner id; another owner's genie is
 * indistinguishable from a missing one.
 */
export class GenieService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly links: RunLinks,
    private readonly credentials: CredentialService,
    private readonly schedules: GenieSchedules,
    private readonly events: EventService,
    private readonly vault: Vault,
    private readonly fetchPolicy: FetchPolicy,
    private readonly pricing: { prices: PriceTable; defaultModel: string }
  ) {}

  /** A genie with a cost cap or a monthly budget must run a model this deployment has a price for (else 400). */
  private assertPriced(spec: Pick<GenieSpec, 'model' | 'max_cost_per_run_usd' | 'monthly_budget_usd'>): void {
    const field = (['max_cost_per_run_usd', 'monthly_budget_usd'] as const).find(
      (name) => spec[name] !== null && spec[name] !== undefined
    );
    if (!field) return;
    const model = spec.model ?? this.pricing.defaultModel;
    if (priceOf(this.pricing.prices, model)) return;
    const what = field === 'max_cost_per_run_usd' ? 'a cost cap' : 'a monthly budget';
    const message = `model "${model}" has no price here (GET /v1/models), so its runs cannot be held to ${what}`;
    throw new ValidationError(`Genie is invalid: ${field}: ${message}`, [{ field, message }]);
  }

  /**
   * Every delegate is one of the owner's genies, and not the genie itself (a 400 naming the ones
   * that are not: another owner's genie is as unknown here as one that does not exist).
   */
  private async assertDelegates(ownerId: string, delegates: string[], selfId?: string): Promise<void> {
    if (delegates.length === 0) return;
    const problems: Array<{ field: string; message: string }> = [];
    if (selfId && delegates.includes(selfId)) {
      problems.push({ field: 'delegates', message: 'a genie cannot ask itself; list other genies' });
    }
    const found = new Set((await listDelegates(this.db, ownerId, delegates)).map((d) => d.id));
    const unknown = delegates.filter((id) => !found.has(id));
    if (unknown.length) {
      problems.push({ field: 'delegates', message: `you have no genie with id ${unknown.join(', ')}` });
    }
    if (problems.length) {
      throw new ValidationError(
        `Genie is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        problems
      );
    }
  }

  private assertWebhookUrl(url: string | null): void {
    const problem = webhookUrlProblem(url, this.fetchPolicy);
    if (problem)
      throw new ValidationError(`webhook_url is refused: ${problem}`, [{ field: 'webhook_url', message: problem }]);
  }

  /** Gives the genie a new webhook signing secret; answers it (the only time it is shown). */
  private async newSecret(trx: Queryable, ownerId: string, genieId: string): Promise<string> {
    const secret = newWebhookSecret();
    await genies.setWebhookSecret(trx, ownerId, genieId, sealWebhookSecret(this.vault, ownerId, genieId, secret));
    return secret;
  }

  async create(ownerId: string, input: GenieCreate) {
    assertConsistent(input);
    this.assertPriced(input);
    this.assertWebhookUrl(input.webhook_url);
    await this.credentials.assertExist(ownerId, input.credential_refs);
    await this.credentials.assertMcpCredentials(ownerId, input.mcp_servers);
    await this.assertDelegates(ownerId, input.delegates);
    // The schedule is made inside the transaction: if Temporal refuses, the genie is not kept.
    return this.db.transaction(async (trx) => {
      const row = await genies.insertGenie(trx, ownerId, normalizeGenie(input));
      const secret = row.webhook_url ? await this.newSecret(trx, ownerId, row.id) : undefined;
      if (isScheduled(row)) await this.schedules.upsert(row);
      return { ...presentGenie(row), ...(secret ? { webhook_secret: secret } : {}) };
    });
  }

  /**
   * A new webhook signing secret for the genie, shown once. The old one goes on signing next to it
   * for WEBHOOK_PREVIOUS_SECRET_HOURS, while the receiver switches; one older than that stops at once.
   */
  async rotateWebhookSecret(ownerId: string, id: string) {
    return this.db.transaction(async (trx) => {
      const current = await genies.findGenieForUpdate(trx, ownerId, id);
      if (!current) throw new NotFoundError('Genie');
      if (!current.webhook_url) throw new ConflictError('The genie has no webhook_url; set one first.');
      const secret = newWebhookSecret();
      const sealed = sealWebhookSecret(this.vault, ownerId, id, secret);
      await genies.rotateWebhookSecret(trx, ownerId, id, sealed, WEBHOOK_PREVIOUS_SECRET_HOURS);
      return { id, webhook_secret: secret };
    });
  }

  async get(ownerId: string, id: string) {
    const row = await genies.findGenie(this.db, ownerId, id);
    if (!row) throw new NotFoundError('Genie');
    const [runs, spend] = await Promise.all([
      listRecentRuns(this.db, ownerId, id, RECENT_RUNS_LIMIT),
      spendByGenie(this.db, ownerId, [id]),
    ]);
    const genie = {
      ...presentGenie(row),
      spend: spend.get(id)!,
      recent_runs: runs.map((run) => presentRun(run, this.links)),
    };
    if (!isScheduled(row)) return genie;
    const schedule = await this.schedules.view(id).catch(() => 'unavailable' as const);
    if (schedule === 'unavailable') return { ...genie, next_run_times: null, schedule_status: 'unavailable' };
    if (!schedule) return { ...genie, next_run_times: [], schedule_status: 'missing' };
    const { next_run_times, ...counts } = schedule;
    // A paused schedule has no next runs, whatever Temporal computes for when it would resume.
    return {
      ...genie,
      next_run_times: counts.paused ? [] : next_run_times,
      schedule_status: counts.paused ? 'paused' : 'active',
      schedule_stats: counts,
    };
  }

  async list(
    ownerId: string,
    options: { limit: number; cursor?: string; triggerType?: TriggerType; enabled?: boolean }
  ) {
    const cursor = parseCursor(options.cursor);
    const rows = await genies.listGenies(this.db, ownerId, { ...options, cursor });
    const spend = await spendByGenie(
      this.db,
      ownerId,
      rows.slice(0, options.limit).map((row) => row.id)
    );
    // `last_run` is added to the presented genie, not spread into a copy of it: on a page of 100,
    // copying each genie cost more than presenting it.
    return page(rows, options.limit, (row) =>
      Object.assign(presentGenie(row), { spend: spend.get(row.id)!, last_run: lastRunOf(row) })
    );
  }

  /**
   * The genie as `patch` would make it, checked as an update is (a 400 or 409 naming the fields);
   * nothing is saved. An update saves it; an eval tries it.
   */
  async patched(ownerId: string, current: genies.GenieRow, patch: GenieUpdate): Promise<GenieSpec> {
    const next = mergeGenieUpdate(genies.specOfRow(current), patch);
    // The patch is valid on its own (the schema saw to that); what is left clashes with the genie as it is.
    const problems = genieConsistencyProblems(next);
    this.assertPriced(next);
    if (problems.length > 0) {
      throw new ConflictError(
        `The update does not fit the genie as it is: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        problems
      );
    }
    if (patch.webhook_url !== undefined) this.assertWebhookUrl(patch.webhook_url);
    if (patch.credential_refs) await this.credentials.assertExist(ownerId, patch.credential_refs);
    if (patch.mcp_servers) await this.credentials.assertMcpCredentials(ownerId, patch.mcp_servers);
    if (patch.delegates) await this.assertDelegates(ownerId, patch.delegates, current.id);
    return normalizeGenie(next);
  }

  /** Updates the genie; with `expectedVersion`, only if it is still at that version (else 409). */
  async update(ownerId: string, id: string, patch: GenieUpdate, expectedVersion?: number) {
    const saved = await this.db.transaction(async (trx) => {
      const current = await genies.findGenieForUpdate(trx, ownerId, id);
      if (!current) throw new NotFoundError('Genie');
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new ConflictError(
          `The genie changed since (version ${expectedVersion} → ${current.version}): try the change again against it.`,
          [{ field: 'version', message: `is ${current.version}, not ${expectedVersion}` }]
        );
      }
      const row = (await genies.updateGenie(trx, ownerId, id, await this.patched(ownerId, current, patch)))!;
      // The secret is made when a webhook is first set, and forgotten when it is removed.
      let secret: string | undefined;
      if (row.webhook_url && !current.webhook_secret_sealed) secret = await this.newSecret(trx, ownerId, id);
      if (!row.webhook_url && current.webhook_secret_sealed) await genies.forgetWebhookSecrets(trx, ownerId, id);
      // In step with the genie, inside its transaction: a Temporal failure leaves the row as it was.
      if (isScheduled(row)) await this.schedules.upsert(row);
      else if (current.trigger_type === 'schedule') await this.schedules.remove(id);
      if (current.trigger_type === 'event' && (row.trigger_type !== 'event' || !row.enabled)) {
        await this.events.stopInbox(id); // its running runs finish; queued events are dropped
      }
      return { ...presentGenie(row), ...(secret ? { webhook_secret: secret } : {}) };
    });
    // A changed budget frees the genie's runs waiting for it within seconds (they ask again).
    if (patch.monthly_budget_usd !== undefined) {
      await signalBudgetChanged(this.temporal, await runsWaitingForBudget(this.db, ownerId, id));
    }
    return saved;
  }

  /**
   * Deletes the genie with its run history and memory. Its unfinished runs are stopped first; if
   * Temporal cannot be reached the genie stays (the caller gets 503) rather than leave runs behind.
   */
  async delete(ownerId: string, id: string) {
    const genie = await genies.findGenie(this.db, ownerId, id);
    if (!genie) throw new NotFoundError('Genie');
    if (genie.trigger_type === 'schedule') await this.schedules.remove(id);
    await terminateIfPresent(this.temporal, eventInboxWorkflowId(id), 'The genie was deleted.');
    for (const run of await listUnfinishedRuns(this.db, ownerId, id)) {
      await terminateIfPresent(this.temporal, run.workflow_id, 'The genie was deleted.');
    }
    if (!(await genies.deleteGenie(this.db, ownerId, id))) throw new NotFoundError('Genie');
    return { deleted: true, id };
  }
}
