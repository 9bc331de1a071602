import { isTerminal } from '../../domain/runs';
import type { Harness, TestUser } from './harness';

/** Polls get-run until the run reaches `until` (default: any terminal status) and returns it. */
export async function waitForRun(
  h: Harness,
  user: TestUser,
  runId: string,
  options: { until?: (run: any) => boolean; timeoutMs?: number } = {}
): Promise<any> {
  const until = options.until ?? ((run: any) => isTerminal(run.status));
  const deadline = Date.now() + (options.timeoutMs ?? 45_000);
  let last: any;
  while (Date.now() < deadline) {
    const res = await h.call('GET', `/v1/runs/${runId}`, { key: user.key });
    last = res.body.data;
    if (res.status === 200 && until(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} did not get there in time; last seen: ${JSON.stringify(last)}`);
}

/** Polls get-eval until the eval passes `until` (default: it ended) and returns it. */
export async function waitForEval(
  h: Harness,
  user: TestUser,
  evalId: string,
  until: (evaluation: any) => boolean = (evaluation) => evaluation.status !== 'running'
): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const res = await h.call('GET', `/v1/evals/${evalId}`, { key: user.key });
    if (res.status === 200 && until(res.body.data)) return res.body.data;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`eval ${evalId} did not get there in time`);
}

/** Creates a genie whose soul prompt carries a unique marker the fake model is scripted by. */
export async function createScriptedGenie(h: Harness, user: TestUser, fields: Record<string, unknown> = {}) {
  const marker = `genie-marker-${Math.random().toString(36).slice(2)}`;
  const res = await h.call('POST', '/v1/worker-genies', {
    key: user.key,
    body: { name: `Genie ${marker}`, soul_prompt: `You are a test genie. ${marker}`, ...fields },
  });
  if (res.status !== 201) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  return { genie: res.body.data, marker };
}

export async function startRun(h: Harness, user: TestUser, genieId: string, input?: unknown) {
  const res = await h.call('POST', `/v1/worker-genies/${genieId}/run`, {
    key: user.key,
    body: input === undefined ? {} : { input },
  });
  if (res.status !== 202) throw new Error(`run failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { run_id: string; workflow_id: string; status: string };
}
