import type { temporal } from '@temporalio/proto';
import { ENCRYPTED_ENCODING } from '../../security/payload-codec';

/** Every encrypted payload of a history, in event order (inputs, results, summaries): the objects themselves. */
export function encryptedPayloadsIn(history: temporal.api.history.v1.IHistory): temporal.api.common.v1.IPayload[] {
  const found: temporal.api.common.v1.IPayload[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    const payload = value as temporal.api.common.v1.IPayload;
    const encoding = payload.metadata?.encoding;
    if (encoding && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING) found.push(payload);
    else for (const child of Object.values(value)) walk(child);
  };
  for (const event of history.events ?? []) walk(event);
  return found;
}
