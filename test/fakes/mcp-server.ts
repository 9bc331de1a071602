// A standalone MCP server for trying genies with MCP tools offline (the one the tests use):
//   node --import tsx test/fakes/mcp-server.ts [port]
// then let the stack reach it with GENIE_FETCH_ALLOW_HOSTS=127.0.0.1. Its tools stand in for an
// issue tracker: list_issues (read-only), create_issue, close_issue, export_all, flaky, whoami.
import { TestMcpServer } from '../support/mcp-server';

const server = new TestMcpServer();
void server.start(Number(process.argv[2] ?? 4020)).then(() => {
  console.log(`MCP server (Streamable HTTP) on ${server.url}`);
});
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
