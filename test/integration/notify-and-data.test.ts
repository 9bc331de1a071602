import { spawnNodeChild, waitForReady } from '../../dev/stack';
import type { ChildHandle } from '../../dev/processes';
import { text, toolUse } from '../fakes/anthropic';
import { spawnWorkerDyingAfterEmail } from '../support/faults';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { TEST_ENCRYPTION_KEYS } from '../support/keys';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import type { ReceivedMail } from '../support/smtp-sink';
import { useStack } from '../support/stack';
import { startTestWorker } from '../support/worker';

const { fake, smtp, h, taskQueue, createUser } = useStack({ worker: { notifyMaxPerRun: 3 }, smtp: true });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('owner');
});

const toolResults = (marker: string, turn = 1) =>
  fake
    .requestsFor(marker)
    [turn]!.body.messages.at(-1)
    .content.map((b: any) => ({ isError: b.is_error, content: b.content }));

describe('notify_owner', () => {
  it('emails the owner and leaves a dashboard notification', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { name: 'Lead Watcher' });
    fake.script(marker, [
      toolUse([
        {
          name: 'notify_owner',
          input: {
            subject: '3 hot leads',
            message: 'Ada, Ben and Chloé want demos.',
            channel: 'both',
            priority: 'high',
          },
        },
      ]),
      text('told them'),
    ]);
    const { run_id } = await startRun(h, user, genie.id);
    expect((await waitForRun(h, user, run_id)).status).toBe('succeeded');
    const [result] = toolResults(marker);
    const parsed = JSON.parse(result.content);
    expect(parsed).toEqual({ notification_id: expect.any(String), email: 'sent' });

    const mail = smtp.mails.find((m) => m.messageId === `<${parsed.notification_id}@worker-genies>`)!;
    expect(mail.to).toEqual([user.email]);
    expect(mail.subject).toBe('[Lead Watcher] 3 hot leads');
    expect(mail.raw).toContain('Ada, Ben and Chlo');

    const list = await h.call('GET', '/v1/notifications', { key: user.key });
    expect(list.body.data.items[0]).toMatchObject({
      id: parsed.notification_id,
      genie_id: genie.id,
      run_id,
      subject: '3 hot leads',
      priority: 'high',
      channel: 'both',
      email_status: 'sent',
      read: false,
    });
  });

  it('keeps a dashboard-only notification out of email, and caps a looping genie', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    const note = (n: number) => ({ name: 'notify_owner', input: { subject: `note ${n}`, message: 'progress' } });
    fake.script(marker, [toolUse([note(1), note(2), note(3), note(4), note(5)]), text('done')]);
    const before = smtp.mails.length;
    await waitForRun(h, user, (await startRun(h, user, genie.id)).run_id);
    const results = toolResults(marker);
    expect(results.filter((r: any) => !r.isError)).toHaveLength(3);
    expect(results.filter((r: any) => r.isError)[0].content).toContain('the most one run may send (3)');
    expect(JSON.parse(results.find((r: any) => !r.isError).content).email).toBe('skipped');
    expect(smtp.mails.length).toBe(before);
  });

  it('records skipped when no SMTP is configured, and still notifies the dashboard', async () => {
    const queue = `${taskQueue}-nosmtp`;
    const noSmtp = await startTestWorker({ taskQueue: queue, anthropicBaseUrl: fake.url });
    const api = await startHarness({ taskQueue: queue });
    try {
      const { genie, marker } = await createScriptedGenie(api, user);
      fake.script(marker, [
        toolUse([{ name: 'notify_owner', input: { subject: 'hi', message: 'there', channel: 'email' } }]),
        text('ok'),
      ]);
      await waitForRun(api, user, (await startRun(api, user, genie.id)).run_id);
      const parsed = JSON.parse(toolResults(marker)[0].content);
      expect(parsed).toMatchObject({ email: 'skipped', email_detail: expect.stringContaining('SMTP_URL is not set') });
      const row = await h.db('notifications').where({ id: parsed.notification_id }).first();
      expect(row).toMatchObject({ email_status: 'skipped', subject: 'hi' });
    } finally {
      await api.close();
      await noSmtp.stop();
    }
  });

  it('sends exactly one email and one notification when the worker dies right after sending', async () => {
    const queue = `${taskQueue}-crash`;
    const env = {
      ...process.env,
      TEMPORAL_TASK_QUEUE: queue,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'sk-ant-fake',
      SMTP_URL: smtp.url,
      GENIE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      LOG_LEVEL: 'error',
    };
    const api = await startHarness({ taskQueue: queue });
    let crashing: ChildHandle | undefined;
    let healthy: ChildHandle | undefined;
    try {
      const { genie, marker } = await createScriptedGenie(api, user);
      fake.script(marker, [
        toolUse([{ name: 'notify_owner', input: { subject: 'once only', message: 'exactly once', channel: 'email' } }]),
        text('ok'),
      ]);
      crashing = spawnWorkerDyingAfterEmail(env);
      await waitForReady(crashing, 120_000);
      const { run_id } = await startRun(api, user, genie.id);
      expect(await crashing.exited).toBe('SIGKILL'); // it died right after the email was accepted
      healthy = spawnNodeChild('worker', env);
      await waitForReady(healthy, 120_000);
      const run = await waitForRun(api, user, run_id, { timeoutMs: 90_000 });
      expect(run.status).toBe('succeeded');
      expect(smtp.mails.filter((m) => m.subject.endsWith('once only'))).toHaveLength(1);
      expect(await h.db('notifications').where({ run_id })).toHaveLength(1);
      expect(run.steps.filter((s: any) => s.tool === 'notify_owner')).toHaveLength(1);
    } finally {
      await crashing?.stop();
      await healthy?.stop();
      await api.close();
    }
  }, 200_000);
});

/**
 * The one window for a resend, really opened: the SMTP server has the whole message when the worker
 * dies (killed from the server's DATA hook, before it answers 250), so nothing recorded `sent`, and
 * the next worker sends the email again. Every copy carries its notification's own Message-ID, so a
 * mail client or a deduplicating relay can tell it is one email.
 */
describe('an email a crash makes the worker send again', () => {
  const queue = `${taskQueue}-resend`;
  let env: NodeJS.ProcessEnv;
  let api: Harness;
  const workers: ChildHandle[] = [];
  beforeAll(async () => {
    env = {
      ...process.env,
      TEMPORAL_TASK_QUEUE: queue,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'sk-ant-fake',
      SMTP_URL: smtp.url,
      GENIE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      LOG_LEVEL: 'error',
    };
    api = await startHarness({ taskQueue: queue });
  });
  afterEach(async () => {
    smtp.onReceived = undefined;
    for (const worker of workers.splice(0)) await worker.stop();
  });
  afterAll(() => api.close());

  const startWorker = async () => {
    const worker = spawnNodeChild('worker', env);
    workers.push(worker);
    await waitForReady(worker, 120_000);
    return worker;
  };

  /** Starts a worker that the SMTP server kills once it has received the first mail `matches`. */
  async function workerKilledAtData(matches: (mail: ReceivedMail) => boolean): Promise<ChildHandle> {
    const worker = await startWorker();
    smtp.onReceived = async (mail) => {
      if (!matches(mail) || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
      worker.child.kill('SIGKILL');
      await worker.exited; // dead before the server answers 250
    };
    return worker;
  }

  /** Every copy the server received of the notification's email: two or more, one Message-ID. */
  function expectResentCopies(notificationId: string, matches: (mail: ReceivedMail) => boolean): void {
    const copies = smtp.mails.filter(matches);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(copies.map((m) => m.messageId))).toEqual(new Set([`<${notificationId}@worker-genies>`]));
  }

  it('a notify_owner email carries the same Message-ID', async () => {
    const subject = `resent ${Date.now()}`;
    const ours = (mail: ReceivedMail) => mail.subject.endsWith(subject);
    const { genie, marker } = await createScriptedGenie(api, user);
    fake.script(marker, [
      toolUse([{ name: 'notify_owner', input: { subject, message: 'one email, maybe twice', channel: 'email' } }]),
      text('ok'),
    ]);
    const crashing = await workerKilledAtData(ours);
    const { run_id } = await startRun(api, user, genie.id);
    expect(await crashing.exited).toBe('SIGKILL');
    const [pending] = await h.db('notifications').where({ run_id });
    expect(pending.email_status).toBe('pending'); // nothing knew the server had it

    await startWorker();
    const run = await waitForRun(api, user, run_id, { timeoutMs: 90_000 });
    expect(run.status).toBe('succeeded');
    const notifications = await h.db('notifications').where({ run_id });
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ id: pending.id, email_status: 'sent' });
    expect(run.steps.filter((s: any) => s.tool === 'notify_owner')).toHaveLength(1);
    expectResentCopies(pending.id, ours);
  }, 200_000);

  it('an approval request carries the same Message-ID', async () => {
    const { genie, marker } = await createScriptedGenie(api, user, { approval_required: ['notify_owner'] });
    const ours = (mail: ReceivedMail) => mail.subject.startsWith(`[${genie.name}] Approval needed`);
    fake.script(marker, [
      toolUse([{ name: 'notify_owner', input: { subject: 'gated', message: 'if you allow', channel: 'dashboard' } }]),
      text('ok'),
    ]);
    const crashing = await workerKilledAtData(ours);
    const { run_id } = await startRun(api, user, genie.id);
    expect(await crashing.exited).toBe('SIGKILL');

    await startWorker();
    for (let i = 0; smtp.mails.filter(ours).length < 2; i++) {
      if (i > 600) throw new Error('the approval request was not sent again');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const waiting = await waitForRun(api, user, run_id, {
      until: (r) => r.approvals?.some((a: any) => a.status === 'pending'),
    });
    const denied = await api.call('POST', `/v1/approvals/${waiting.approvals[0].id}/deny`, { key: user.key, body: {} });
    expect(denied.status).toBe(200);
    expect((await waitForRun(api, user, run_id, { timeoutMs: 60_000 })).status).toBe('succeeded');
    const notifications = await h.db('notifications').where({ run_id });
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ approval_id: waiting.approvals[0].id, email_status: 'sent' });
    expectResentCopies(notifications[0].id, ours);
  }, 200_000);
});

describe('notifications API', () => {
  it('filters unread, pages, marks read, and is owner-scoped', async () => {
    const reader = await h.createUser('reader');
    const { genie, marker } = await createScriptedGenie(h, reader);
    fake.script(marker, [
      toolUse([1, 2, 3].map((n) => ({ name: 'notify_owner', input: { subject: `n${n}`, message: 'm' } }))),
      text('ok'),
    ]);
    await waitForRun(h, reader, (await startRun(h, reader, genie.id)).run_id);
    const all = await h.call('GET', '/v1/notifications?limit=2', { key: reader.key });
    expect(all.body.data.items).toHaveLength(2);
    const rest = await h.call('GET', `/v1/notifications?limit=2&cursor=${all.body.data.next_cursor}`, {
      key: reader.key,
    });
    expect(rest.body.data.items).toHaveLength(1);
    const first = all.body.data.items[0];
    const read = await h.call('POST', `/v1/notifications/${first.id}/read`, { key: reader.key });
    expect(read.body.data).toMatchObject({ id: first.id, read: true });
    const unread = await h.call('GET', '/v1/notifications?unread=true', { key: reader.key });
    expect(unread.body.data.items.map((n: any) => n.id)).not.toContain(first.id);
    expect(unread.body.data.items).toHaveLength(2);
    const stranger = await h.createUser('stranger');
    expect((await h.call('POST', `/v1/notifications/${first.id}/read`, { key: stranger.key })).status).toBe(404);
    expect((await h.call('GET', '/v1/notifications', { key: stranger.key })).body.data.items).toEqual([]);
  });
});

describe('data API', () => {
  it('ingests rows all-or-nothing, reporting each bad row', async () => {
    const owner = await h.createUser('ingest');
    const bad = await h.call('POST', '/v1/data/leads', {
      key: owner.key,
      body: {
        rows: [
          { name: 'Good' },
          { email: 'no-name@x' },
          { name: 'Bad score', score: 'high' },
          { name: 'x', owner_id: user.id },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field)).toEqual(['rows.1.name', 'rows.2.score', 'rows.3.owner_id']);
    expect((await h.call('GET', '/v1/data/leads', { key: owner.key })).body.data.rows).toEqual([]);

    const good = await h.call('POST', '/v1/data/leads', {
      key: owner.key,
      body: {
        rows: [
          { name: 'Ada', status: 'new', score: 80 },
          { name: 'Ben', status: 'lost', score: 20, metadata: { src: 'csv' } },
        ],
      },
    });
    expect(good.status).toBe(201);
    expect(good.body.data).toEqual({ inserted: 2, ids: [expect.any(String), expect.any(String)] });
  });

  it('keeps row ids per owner: another owner’s ids can be neither detected nor blocked', async () => {
    const first = await h.createUser('ids-a');
    const second = await h.createUser('ids-b');
    const id = '3f1e0b7a-8d2c-4e5f-9a6b-1c2d3e4f5a6b';
    const mine = await h.call('POST', '/v1/data/leads', { key: first.key, body: { rows: [{ id, name: 'First' }] } });
    expect(mine.status).toBe(201);
    // The same id from another owner is simply theirs: no 409 reveals that it is taken elsewhere.
    const theirs = await h.call('POST', '/v1/data/leads', {
      key: second.key,
      body: { rows: [{ id, name: 'Second' }] },
    });
    expect(theirs.status).toBe(201);
    expect(theirs.body.data.ids).toEqual([id]);
    const read = async (key: string) =>
      (await h.call('GET', `/v1/data/leads?id=eq.${id}`, { key })).body.data.rows.map((r: any) => r.name);
    expect(await read(first.key)).toEqual(['First']);
    expect(await read(second.key)).toEqual(['Second']);
    // References resolve within the owner.
    const activity = await h.call('POST', '/v1/data/lead_activities', {
      key: second.key,
      body: { rows: [{ lead_id: id, type: 'note' }] },
    });
    expect(activity.status).toBe(201);
    // Only the owner's own id conflicts.
    const again = await h.call('POST', '/v1/data/leads', { key: first.key, body: { rows: [{ id, name: 'Again' }] } });
    expect(again.status).toBe(409);
  });

  it('takes ingest bodies up to 16 MiB (long documents), and 413 beyond', async () => {
    const owner = await h.createUser('big-docs');
    const rows = [1, 2, 3].map((n) => ({ title: `doc ${n}`, content: 'x'.repeat(900_000) }));
    const res = await h.call('POST', '/v1/data/documents', { key: owner.key, body: { rows } });
    expect(res.status).toBe(201);
    expect(res.body.data.inserted).toBe(3);
    const huge = Array.from({ length: 20 }, (_, n) => ({ title: `doc ${n}`, content: 'y'.repeat(900_000) }));
    const tooBig = await h.call('POST', '/v1/data/documents', { key: owner.key, body: { rows: huge } });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({
      code: 'payload_too_large',
      message: 'Request body is larger than 16 MiB.',
    });
  });

  it('refuses references to rows the owner does not have', async () => {
    const owner = await h.createUser('refs');
    const theirs = await h.call('POST', '/v1/data/leads', { key: user.key, body: { rows: [{ name: 'Not yours' }] } });
    const res = await h.call('POST', '/v1/data/lead_activities', {
      key: owner.key,
      body: { rows: [{ lead_id: theirs.body.data.ids[0], type: 'note' }] },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([{ field: 'rows.0.lead_id', message: 'no leads row with this id' }]);
  });

  it('reads with query_data filters, owner-scoped', async () => {
    const owner = await h.createUser('reader2');
    await h.call('POST', '/v1/data/leads', {
      key: owner.key,
      body: {
        rows: [
          { name: 'A', status: 'new', score: 10 },
          { name: 'B', status: 'won', score: 90 },
          { name: 'C', status: 'new', score: 50 },
        ],
      },
    });
    const res = await h.call('GET', '/v1/data/leads?status=eq.new&score=gte.20&columns=name,score', { key: owner.key });
    expect(res.body.data).toEqual({ rows: [{ name: 'C', score: 50 }], row_count: 1, truncated: false });
    const ordered = await h.call('GET', '/v1/data/leads?order=score.desc&limit=2&columns=name', { key: owner.key });
    expect(ordered.body.data.rows).toEqual([{ name: 'B' }, { name: 'C' }]);
    const inList = await h.call('GET', '/v1/data/leads?status=in.won,lost&count_only=true', { key: owner.key });
    expect(inList.body.data.row_count).toBe(1);
    expect((await h.call('GET', '/v1/data/leads?owner_id=eq.x', { key: owner.key })).status).toBe(400);
    expect((await h.call('GET', '/v1/data/users', { key: owner.key })).status).toBe(404);
    expect((await h.call('POST', '/v1/data/leads', { key: owner.key, body: { rows: [] } })).status).toBe(400);
  });
});

describe('a genie answering from the data', () => {
  it('queries seeded data and reports to its owner', async () => {
    const owner = await h.createUser('analyst');
    await h.call('POST', '/v1/data/leads', {
      key: owner.key,
      body: {
        rows: [
          { name: 'Hot One', status: 'qualified', score: 95 },
          { name: 'Cold One', status: 'new', score: 5 },
        ],
      },
    });
    const { genie, marker } = await createScriptedGenie(h, owner, { tools: ['query_data', 'notify_owner'] });
    fake.script(marker, [
      toolUse([
        {
          name: 'query_data',
          input: { table: 'leads', filters: [{ column: 'score', op: 'gte', value: 80 }], columns: ['name', 'score'] },
        },
      ]),
      toolUse([{ name: 'notify_owner', input: { subject: 'Best lead', message: 'Hot One (95)' } }]),
      text('Your best lead is Hot One.'),
    ]);
    const run = await waitForRun(h, owner, (await startRun(h, owner, genie.id, 'Who is my best lead?')).run_id);
    expect(run).toMatchObject({ status: 'succeeded', output: 'Your best lead is Hot One.' });
    expect(JSON.parse(toolResults(marker, 1)[0].content)).toEqual({
      rows: [{ name: 'Hot One', score: 95 }],
      row_count: 1,
      truncated: false,
    });
    expect((await h.call('GET', '/v1/notifications', { key: owner.key })).body.data.items[0].message).toBe(
      'Hot One (95)'
    );
  });
});
