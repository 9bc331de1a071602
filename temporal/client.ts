import { Client, Connection, WorkflowNotFoundError, type ClientPlugin } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Config } from '../platform/config';
import type { KeyEntry } from '../platform/key-spec';
import { resolvePayloadKeys } from '../security/encryption-keys';
import { AesGcmPayloadCodec } from '../security/payload-codec';
import { rememberConnectionOptions, temporalConnectionOptions } from './connection';
import { budgetChangedSignal, SEARCH_ATTRIBUTE_KEYS } from './contract';

/**
 * How the service's payloads cross Temporal: encrypted by the payload codec (the client, every
 * worker and the codec server must use the same keys).
 */
export function genieDataConverter(payloadKeys: readonly KeyEntry[]): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(payloadKeys)] };
}

/**
 * The process's one Temporal client. The connection is lazy, so the API starts (and `/healthz`
 * answers 503) while Temporal is still down, and reconnects once it is up. TLS and the API key
 * come from the TEMPORAL_TLS_* and TEMPORAL_API_KEY variables (temporal/connection.ts).
 */
export function createTemporalClient(
  config: Config,
  payloadKeys = resolvePayloadKeys(config),
  plugins: ClientPlugin[] = []
): Client {
  const options = temporalConnectionOptions(config);
  const connection = Connection.lazy({ ...options, connectTimeout: '5s' });
  rememberConnectionOptions(connection, options);
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: genieDataConverter(payloadKeys),
    plugins,
  });
}

/** Resolves when the frontend answers, or rejects after `timeoutMs`. */
export async function pingTemporal(client: Client, timeoutMs = 2000): Promise<void> {
  await client.connection.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
}

/**
 * Registers the Keyword search attributes `GenieId`, `GenieOwnerId`, `GenieTriggerType` on the
 * namespace when they are missing (an external Temporal; the embedded dev server gets them as flags).
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const operator = client.connection.operatorService;
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((key) => !customAttributes?.[key.name]).map((key) => key.name);
  if (missing.length > 0) {
    const searchAttributes = Object.fromEntries(
      missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])
    );
    await operator.addSearchAttributes({ namespace, searchAttributes });
  }
  return missing;
}

/** How long an API request waits for Temporal before answering 503. */
const TEMPORAL_CALL_TIMEOUT_MS = 5_000;

/**
 * Runs Temporal calls under a deadline, so an unreachable server fails the request (503) instead of
 * hanging it while the client retries.
 */
export function withTemporalDeadline<T>(
  client: Client,
  fn: () => Promise<T>,
  ms = TEMPORAL_CALL_TIMEOUT_MS
): Promise<T> {
  return client.connection.withDeadline(Date.now() + ms, fn);
}

/** Terminates a workflow under the API deadline; one that does not exist (any more) is fine. */
export async function terminateIfPresent(client: Client, workflowId: string, reason: string): Promise<void> {
  try {
    await withTemporalDeadline(client, () => client.workflow.getHandle(workflowId).terminate(reason));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/**
 * Tells every run in `workflowIds` that a monthly budget changed (the `budgetChanged` signal), so
 * one waiting for its budget asks again at once. A run that ended meanwhile is skipped.
 */
export async function signalBudgetChanged(client: Client, workflowIds: string[]): Promise<void> {
  await Promise.all(
    workflowIds.map(async (workflowId) => {
      try {
        await withTemporalDeadline(client, () => client.workflow.getHandle(workflowId).signal(budgetChangedSignal));
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    })
  );
}
