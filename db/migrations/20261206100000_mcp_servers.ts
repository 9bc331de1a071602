import type { Knex } from 'knex';

/**
 * Tools from MCP servers: a genie's `mcp_servers` (its versions keep them in their spec), and on a
 * run the tools it listed when it started (`mcp_tools`: the list all its turns use, null until
 * listed) and why it goes on without some (`warnings`, e.g. a server it could not list).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('genies', (t) => {
    t.jsonb('mcp_servers').notNullable().defaultTo('[]');
  });
  await knex.schema.alterTable('runs', (t) => {
    t.jsonb('mcp_tools').nullable();
    t.jsonb('warnings').notNullable().defaultTo('[]');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('runs', (t) => {
    t.dropColumn('warnings');
    t.dropColumn('mcp_tools');
  });
  await knex.schema.alterTable('genies', (t) => {
    t.dropColumn('mcp_servers');
  });
}
