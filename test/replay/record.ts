// `npm run replay:record [-- NAME…]`: runs every scenario (or those named) of ./scenarios.ts on a throwaway dev server and
// writes each execution's history to test/replay/histories/<scenario>[-<n>].binpb (the protobuf
// `History`, as Temporal stores it), payloads decoded (they hold fixture data only, and replay then
// needs no key). Run it deliberately, after a workflow change
// that is meant to be incompatible (and then bump the workflow, see docs/CONTRIBUTING.md), or to add
// a scenario; never to make a failing replay pass.
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { parseKeys } from '../../security/encryption-keys';
import { AesGcmPayloadCodec } from '../../security/payload-codec';
import { encryptedPayloadsIn } from '../support/history';
import { TEST_PAYLOAD_KEYS } from '../support/keys';
import { startEphemeralServices } from '../support/ephemeral-services';
import { startWorkflowWorker } from '../support/workflow-worker';
import { SCENARIOS, scenarioActivities } from './scenarios';

export const HISTORIES_DIR = path.join(__dirname, 'histories');

/** Replaces every encrypted payload of the history, in place, by what it holds. */
async function decodePayloads(history: temporal.api.history.v1.IHistory): Promise<void> {
  const codec = new AesGcmPayloadCodec(parseKeys(TEST_PAYLOAD_KEYS));
  const found = encryptedPayloadsIn(history);
  const decoded = await codec.decode(
    found.map((p) => ({ metadata: p.metadata ?? {}, data: p.data ?? new Uint8Array() }))
  );
  found.forEach((payload, i) => {
    payload.metadata = decoded[i]!.metadata;
    payload.data = decoded[i]!.data;
  });
}

async function main(): Promise<void> {
  const services = await startEphemeralServices('genie-replay-');
  process.env.TEMPORAL_ADDRESS = services.temporalAddress;
  const taskQueue = `replay-fixtures-${Date.now()}`;
  const worker = await startWorkflowWorker(taskQueue, scenarioActivities);
  try {
    fs.mkdirSync(HISTORIES_DIR, { recursive: true });
    // `npm run replay:record -- NAME…` records only those scenarios and keeps the other files.
    const only = process.argv.slice(2);
    const unknown = only.filter((name) => !(name in SCENARIOS));
    if (unknown.length > 0) throw new Error(`no such scenario: ${unknown.join(', ')}`);
    const chosen = Object.entries(SCENARIOS).filter(([name]) => only.length === 0 || only.includes(name));
    for (const file of fs.readdirSync(HISTORIES_DIR)) {
      if (chosen.some(([name]) => file === `${name}.binpb` || file.startsWith(`${name}-`))) {
        fs.rmSync(path.join(HISTORIES_DIR, file));
      }
    }
    for (const [name, scenario] of chosen) {
      const executions = await scenario(worker.client, taskQueue);
      for (const [n, execution] of executions.entries()) {
        const { workflowId, runId } =
          typeof execution === 'string' ? { workflowId: execution, runId: undefined } : execution;
        const history = await worker.client.workflow.getHandle(workflowId, runId).fetchHistory();
        await decodePayloads(history);
        const file = path.join(HISTORIES_DIR, `${name}${executions.length > 1 ? `-${n + 1}` : ''}.binpb`);
        fs.writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
        console.log(`${path.relative(process.cwd(), file)}: ${history.events?.length ?? 0} events`);
      }
    }
  } finally {
    await worker.stop();
    await services.stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
