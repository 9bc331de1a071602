import type { Knex } from 'knex';
import * as usersAndApiKeys from './20261128120000_users_and_api_keys';
import * as genies from './20261128120100_genies';
import * as runs from './20261128120200_runs';
import * as memory from './20261128130000_memory';
import * as credentials from './20261128140000_credentials';
import * as businessTables from './20261128150000_business_tables';
import * as notifications from './20261128150100_notifications';
import * as millisecondCursors from './20261128150200_millisecond_cursors';
import * as events from './20261128160000_events';
import * as businessIdsPerOwner from './20261129100000_business_ids_per_owner';
import * as rateLimits from './20261129100100_rate_limits';
import * as runIdempotencyKeys from './20261129100200_run_idempotency_keys';
import * as stepSeq from './20261129110000_step_seq';
import * as genieVersions from './20261130100000_genie_versions';
import * as approvals from './20261130100100_approvals';
import * as webhooks from './20261130100200_webhooks';
import * as approvalDecisionsSent from './20261130100300_approval_decisions_sent';
import * as rateLimitsUnlogged from './20261201100000_rate_limits_unlogged';
import * as webhookPreviousSecret from './20261205100000_webhook_previous_secret';
import * as runStreams from './20261205110000_run_streams';
import * as mcpServers from './20261206100000_mcp_servers';
import * as oauth2Credentials from './20261207100000_oauth2_credentials';
import * as modelCosts from './20261208100000_model_costs';
import * as costCaps from './20261208110000_cost_caps';
import * as monthlyBudgets from './20261209100000_monthly_budgets';
import * as evals from './20261210100000_evals';
import * as thinkingAndSearch from './20261211100000_thinking_and_search';
import * as delegation from './20261212100000_delegation';

/**
 * Every migration, in order. Listed explicitly (not globbed from disk) so they run the same from
 * tsx, jest and compiled JavaScript. Append new ones; never edit one that has landed.
 */
const MIGRATIONS: ReadonlyArray<[string, Knex.Migration]> = [
  ['20261128120000_users_and_api_keys', usersAndApiKeys],
  ['20261128120100_genies', genies],
  ['20261128120200_runs', runs],
  ['20261128130000_memory', memory],
  ['20261128140000_credentials', credentials],
  ['20261128150000_business_tables', businessTables],
  ['20261128150100_notifications', notifications],
  ['20261128150200_millisecond_cursors', millisecondCursors],
  ['20261128160000_events', events],
  ['20261129100000_business_ids_per_owner', businessIdsPerOwner],
  ['20261129100100_rate_limits', rateLimits],
  ['20261129100200_run_idempotency_keys', runIdempotencyKeys],
  ['20261129110000_step_seq', stepSeq],
  ['20261130100000_genie_versions', genieVersions],
  ['20261130100100_approvals', approvals],
  ['20261130100200_webhooks', webhooks],
  ['20261130100300_approval_decisions_sent', approvalDecisionsSent],
  ['20261201100000_rate_limits_unlogged', rateLimitsUnlogged],
  ['20261205100000_webhook_previous_secret', webhookPreviousSecret],
  ['20261205110000_run_streams', runStreams],
  ['20261206100000_mcp_servers', mcpServers],
  ['20261207100000_oauth2_credentials', oauth2Credentials],
  ['20261208100000_model_costs', modelCosts],
  ['20261208110000_cost_caps', costCaps],
  ['20261209100000_monthly_budgets', monthlyBudgets],
  ['20261210100000_evals', evals],
  ['20261211100000_thinking_and_search', thinkingAndSearch],
  ['20261212100000_delegation', delegation],
];

export const migrationSource: Knex.MigrationSource<[string, Knex.Migration]> = {
  getMigrations: () => Promise.resolve([...MIGRATIONS]),
  getMigrationName: ([name]) => name,
  getMigration: ([, migration]) => Promise.resolve(migration),
};
