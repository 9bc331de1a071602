import { text } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/** Every update is a version; a run runs with, and shows, the version it was started with. */
const { fake, h, createUser } = useStack({ worker: true });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('versions');
});

const patch = (id: string, body: object) => h.call('PATCH', `/v1/worker-genies/${id}`, { key: user.key, body });

describe('genie versions', () => {
  it('goes up by one on every update, enable and disable included', async () => {
    const created = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { name: 'v', soul_prompt: 'one' },
    });
    expect(created.body.data.version).toBe(1);
    const id = created.body.data.id;
    expect((await patch(id, { soul_prompt: 'two' })).body.data.version).toBe(2);
    expect((await patch(id, { enabled: false })).body.data.version).toBe(3);
    const action = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { action: 'update', id, enabled: true },
    });
    expect(action.body.data.version).toBe(4);
    expect((await h.call('GET', `/v1/worker-genies/${id}`, { key: user.key })).body.data.version).toBe(4);
    // A refused update is no version.
    expect((await patch(id, { max_turns: 0 })).status).toBe(400);
    expect((await h.call('GET', `/v1/worker-genies/${id}`, { key: user.key })).body.data.version).toBe(4);
  });

  it('runs with the version it was started with, and shows that version after the genie changes', async () => {
    const marker = `versions-marker-${Date.now()}`;
    const created = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { name: 'versioned', soul_prompt: `Old rules. ${marker}`, tools: ['memory_read'], max_turns: 7 },
    });
    const genie = created.body.data;
    fake.script(marker, [{ ...text('done'), latencyMs: 300 }]);
    const { run_id } = await startRun(h, user, genie.id);
    // Changed right after the run was recorded: the run keeps the old rules.
    const changed = await patch(genie.id, { soul_prompt: `New rules. ${marker}`, tools: ['query_data'], max_turns: 3 });
    expect(changed.body.data.version).toBe(2);

    const run = await waitForRun(h, user, run_id);
    expect(run.status).toBe('succeeded');
    expect(run.genie_version).toBe(1);
    expect(run.genie_config).toMatchObject({
      version: 1,
      soul_prompt: `Old rules. ${marker}`,
      tools: ['memory_read'],
      max_turns: 7,
      approval_required: [],
    });
    const request = fake.requestsFor(marker)[0]!.body;
    expect(JSON.stringify(request.system)).toContain('Old rules.');
    expect(request.tools.map((t: any) => t.name)).toEqual(['memory_read']);

    // The next run goes by version 2.
    fake.script(marker, [text('done again')]);
    const next = await startRun(h, user, genie.id);
    const second = await waitForRun(h, user, next.run_id);
    expect(second.genie_config).toMatchObject({ version: 2, soul_prompt: `New rules. ${marker}`, max_turns: 3 });
  });
});
