// Runs: start one, list them (all, or a genie's), read one, follow it live, cancel it.
import * as R from '../openapi/responses';
import { ListRunsSchema, RunRequestSchema } from '../schemas';
import { streamSse } from '../sse';
import { endpoint, uuidParam } from './define';
import { GENIE_ID } from './genies';

const RUN_ID = { run_id: uuidParam('Run') };

export const runEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/worker-genies/{id}/run',
    operationId: 'runGenie',
    tag: 'Runs',
    summary: 'Start a run; it goes on in the background',
    description:
      'With an `Idempotency-Key` header (1 to 255 characters), a repeat within 24 h answers the first run (header `Idempotent-Replayed: true`) and starts nothing; the same key with another genie or input is a 409.',
    action: 'run',
    params: GENIE_ID,
    body: RunRequestSchema,
    bodyOptional: true,
    label: 'Run request',
    idempotencyKey: true,
    responses: { 202: { description: 'queued', schema: R.ok(R.RunStartedSchema) } },
    errors: { 409: 'conflict: the genie is disabled, or the Idempotency-Key names another request' },
    handler: async ({ ownerId, params, body, idempotencyKey, services }) => {
      const { replayed, ...started } = await services.runs.start(ownerId, params.id, body.input ?? null, {
        idempotencyKey,
      });
      return { status: 202, data: started, headers: replayed ? { 'Idempotent-Replayed': 'true' } : undefined };
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/runs',
    operationId: 'listRuns',
    tag: 'Runs',
    summary: 'All of your runs, newest first',
    action: 'runs',
    query: ListRunsSchema,
    label: 'Runs request',
    responses: { 200: { description: 'a page of runs', schema: R.ok(R.RunListSchema) } },
    handler: async ({ ownerId, query, services }) => ({ data: await services.runs.list(ownerId, query) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/worker-genies/{id}/runs',
    operationId: 'listGenieRuns',
    tag: 'Runs',
    summary: 'A genie’s runs, newest first',
    action: 'runs',
    params: GENIE_ID,
    query: ListRunsSchema,
    label: 'Runs request',
    responses: { 200: { description: 'a page of runs', schema: R.ok(R.RunListSchema) } },
    handler: async ({ ownerId, params, query, services }) => ({
      data: await services.runs.list(ownerId, { ...query, genieId: params.id }),
    }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/runs/{run_id}',
    operationId: 'getRun',
    tag: 'Runs',
    summary: 'A run with its steps',
    action: 'get-run',
    params: RUN_ID,
    responses: { 200: { description: 'the run', schema: R.ok(R.RunWithStepsSchema) } },
    handler: async ({ ownerId, params, services }) => ({ data: await services.runs.get(ownerId, params.run_id) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/runs/{run_id}/stream',
    operationId: 'streamRun',
    tag: 'Runs',
    summary: 'Follow a run live (Server-Sent Events)',
    description:
      'Events: `status` (the run without steps; on connect and on every status change), `step` (every step in seq order, those saved earlier included; the SSE id is the seq, and `Last-Event-ID` resumes after it), `approval` (each approval when requested and when settled), `live` (what a running run is doing, retries included), `text` (`{turn, attempt, delta}`: Claude’s text as it is written, a piece about every 100 ms; a turn’s pieces of one attempt joined are its text, and they all come before the `step` that saves the turn), `text_reset` (`{turn, attempt}`: that attempt of the turn broke and is retried, so drop its text), and `end` (the final run), after which the stream closes. `text` and `text_reset` have no SSE id and are live only: a reconnect does not replay them. A comment line at least every 15 s keeps proxies from closing it. One API key may hold 20 streams open at once (the next answers 429); when the key is revoked its streams get an `error` event and close within 5 s.',
    params: RUN_ID,
    responses: {
      200: { description: 'an event stream', mediaType: 'text/event-stream', schema: R.RunStreamEventSchema },
    },
    handler: async ({ ownerId, params, req, res, services }) => {
      const lastEventId = Number(req.get('last-event-id') ?? 0);
      const request = {
        ownerId,
        apiKeyId: String(res.locals.apiKeyId),
        runId: params.run_id,
        afterSeq: Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0,
      };
      await streamSse(res, (signal) => services.runStream.events(request, signal), {
        keepaliveMs: services.runStream.timings.heartbeatMs,
      });
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/runs/{run_id}/cancel',
    operationId: 'cancelRun',
    tag: 'Runs',
    summary: 'Cancel a run and wait briefly for it to stop',
    action: 'cancel-run',
    params: RUN_ID,
    responses: {
      200: { description: 'the run, cancelled once the workflow confirms', schema: R.ok(R.RunWithStepsSchema) },
    },
    errors: { 409: 'conflict: the run already ended' },
    handler: async ({ ownerId, params, services }) => ({ data: await services.runs.cancel(ownerId, params.run_id) }),
  }),
];
