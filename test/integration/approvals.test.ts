import { text, toolUse } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import type { ReceivedMail } from '../support/smtp-sink';
import { useStack } from '../support/stack';

/**
 * Approvals end to end: a genie's gated calls wait for their owner (a Temporal Update decides,
 * a durable timer expires), through the API, the email link and a worker restart.
 */
const { fake, smtp, h, worker, startWorker, createUser } = useStack({ worker: { linksToApi: true }, smtp: true });
let owner: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  owner = await createUser('approver');
  stranger = await createUser('stranger');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const emailCall = (subject: string) => ({
  name: 'notify_owner',
  input: { subject, message: 'The quarterly report is ready.', channel: 'email' },
});

/** A genie whose notify_owner waits for approval; its first turn emails, its second ends. */
async function gatedGenie(subject: string, fields: Record<string, unknown> = {}) {
  const created = await createScriptedGenie(h, owner, {
    approval_required: ['notify_owner'],
    tools: ['notify_owner', 'memory_write'],
    ...fields,
  });
  fake.script(created.marker, [toolUse([emailCall(subject)]), text('done')]);
  return created;
}

async function waitingRun(genieId: string) {
  const { run_id } = await startRun(h, owner, genieId);
  const run = await waitForRun(h, owner, run_id, {
    until: (r) => r.status === 'waiting_approval' && r.approvals.some((a: any) => a.status === 'pending'),
  });
  return { runId: run_id, run, approval: run.approvals[0] };
}

const decide = (approvalId: string, verb: 'approve' | 'deny', body: object = {}, user = owner) =>
  h.call('POST', `/v1/approvals/${approvalId}/${verb}`, { key: user.key, body });

const toolMails = (subject: string) => smtp.mails.filter((m) => m.subject.includes(subject));

/** The approval link in an email (quoted-printable soft breaks undone). */
function linkIn(mail: ReceivedMail): string {
  const body = mail.raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const match = /(http:\/\/\S+\/approvals\/gat_[A-Za-z0-9_.-]+)/.exec(body);
  if (!match) throw new Error(`no approval link in ${body}`);
  return match[1]!;
}

/** The email that asked for this approval (its notification's Message-ID). */
async function approvalMail(approvalId: string): Promise<ReceivedMail> {
  for (let i = 0; i < 100; i++) {
    const notification = (await h.call('GET', '/v1/notifications?limit=100', { key: owner.key })).body.data.items.find(
      (n: any) => n.approval_id === approvalId
    );
    const mail = notification && smtp.mails.find((m) => m.messageId === `<${notification.id}@worker-genies>`);
    if (mail) return mail;
    await sleep(100);
  }
  throw new Error('no approval email');
}

const postForm = (url: string, form: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });

/** A settled approval's page names nothing of the call: not its tool, input, genie, run or id. */
function expectNothingOf(
  html: string,
  what: { subject: string; genie: { id: string; name: string }; runId: string; approvalId: string }
): void {
  for (const shown of [
    what.subject,
    'notify_owner',
    'quarterly report',
    what.genie.name,
    what.genie.id,
    what.runId,
    what.approvalId,
  ]) {
    expect([shown, html.includes(shown)]).toEqual([shown, false]);
  }
  expect(html).not.toContain('<pre>');
  expect(html).not.toContain('<form');
}

describe('approvals', () => {
  it('waits for the owner, tells them, and runs the call exactly once when approved', async () => {
    const subject = `approved-${Date.now()}`;
    const { genie } = await gatedGenie(subject);
    const { runId, approval } = await waitingRun(genie.id);
    expect(approval).toMatchObject({
      run_id: runId,
      genie_id: genie.id,
      tool: 'notify_owner',
      status: 'pending',
      input: { subject, channel: 'email' },
      note: null,
      decided_at: null,
    });
    expect(Date.parse(approval.expires_at) - Date.parse(approval.requested_at)).toBe(86_400_000);
    expect(toolMails(subject)).toHaveLength(0); // nothing sent while it waits

    // Listed for the owner, with a dashboard notification that names it.
    const pending = await h.call('GET', '/v1/approvals?status=pending', { key: owner.key });
    expect(pending.body.data.items.map((a: any) => a.id)).toContain(approval.id);
    const notifications = (await h.call('GET', '/v1/notifications', { key: owner.key })).body.data.items;
    expect(notifications.find((n: any) => n.approval_id === approval.id)).toMatchObject({
      subject: expect.stringContaining('Approval needed'),
    });
    // The workflow's status query shows the wait.
    // (The row says waiting as the request is recorded; the workflow a moment later, as it takes the answer.)
    let status: any;
    for (let i = 0; i < 50 && status?.phase !== 'waiting_approval'; i++) {
      if (i > 0) await sleep(100);
      status = await h.temporal.workflow.getHandle(`genie-run-${runId}`).query('status');
    }
    expect(status).toMatchObject({ phase: 'waiting_approval', pendingApprovals: [{ approvalId: approval.id }] });

    const approved = await decide(approval.id, 'approve', { note: 'go ahead' });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ id: approval.id, status: 'approved', note: 'go ahead' });
    const run = await waitForRun(h, owner, runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s: any) => s.tool === 'notify_owner')).toMatchObject({ is_error: false });
    await sleep(300);
    expect(toolMails(subject)).toHaveLength(1); // exactly one email from the approved call

    // Deciding again is a conflict, whatever the verb.
    expect((await decide(approval.id, 'deny')).status).toBe(409);
    expect((await decide(approval.id, 'approve')).status).toBe(409);
  });

  it('sends nothing when denied, and tells the model why', async () => {
    const subject = `denied-${Date.now()}`;
    const { genie, marker } = await gatedGenie(subject);
    const { runId, approval } = await waitingRun(genie.id);
    const denied = await decide(approval.id, 'deny', { note: 'not this week' });
    expect(denied.body.data).toMatchObject({ status: 'denied', note: 'not this week' });
    const run = await waitForRun(h, owner, runId);
    expect(run.status).toBe('succeeded');
    await sleep(300);
    expect(toolMails(subject)).toHaveLength(0);
    const result = fake.requestsFor(marker)[1]!.body.messages.at(-1).content[0];
    expect(result).toMatchObject({ type: 'tool_result', is_error: true });
    expect(result.content).toContain('denied');
    expect(result.content).toContain('not this week');
  });

  it('holds up only the gated call: the turn’s other calls run at once', async () => {
    const subject = `parallel-${Date.now()}`;
    const { genie, marker } = await createScriptedGenie(h, owner, {
      approval_required: ['notify_owner'],
      tools: ['notify_owner', 'memory_write'],
    });
    fake.script(marker, [
      toolUse([emailCall(subject), { name: 'memory_write', input: { key: 'k', value: 1 } }]),
      text('done'),
    ]);
    const { runId, approval } = await waitingRun(genie.id);
    const waiting = await waitForRun(h, owner, runId, {
      until: (r) => r.steps.some((s: any) => s.tool === 'memory_write'),
    });
    expect(waiting.status).toBe('waiting_approval');
    expect(waiting.steps.some((s: any) => s.tool === 'notify_owner')).toBe(false);
    await decide(approval.id, 'approve');
    expect((await waitForRun(h, owner, runId)).status).toBe('succeeded');
  });

  it('expires by its durable timer: the call is answered as expired and the run goes on', async () => {
    const subject = `expired-${Date.now()}`;
    const { genie, marker } = await gatedGenie(subject);
    // The API allows 60 s at least; the row is shortened here so the test does not wait a minute.
    await h.db('genies').where({ id: genie.id }).update({ approval_timeout_seconds: 2 });
    const { runId, approval } = await waitingRun(genie.id);
    const run = await waitForRun(h, owner, runId);
    expect(run.status).toBe('succeeded');
    expect(run.approvals[0]).toMatchObject({ id: approval.id, status: 'expired' });
    expect((await decide(approval.id, 'approve')).status).toBe(409);
    await sleep(300);
    expect(toolMails(subject)).toHaveLength(0);
    expect(fake.requestsFor(marker)[1]!.body.messages.at(-1).content[0].content).toContain('expired');
  });

  it('settles a decision racing the expiry one way only', async () => {
    const subject = `race-${Date.now()}`;
    const { genie } = await gatedGenie(subject);
    await h.db('genies').where({ id: genie.id }).update({ approval_timeout_seconds: 2 });
    const { runId, approval } = await waitingRun(genie.id);
    await sleep(Math.max(0, Date.parse(approval.expires_at) - Date.now() - 30));
    const answer = await decide(approval.id, 'approve');
    expect([200, 409]).toContain(answer.status);
    const run = await waitForRun(h, owner, runId);
    await sleep(300);
    const final = run.approvals[0].status;
    if (answer.status === 200) {
      expect(final).toBe('approved');
      expect(toolMails(subject)).toHaveLength(1);
    } else {
      expect(final).toBe('expired');
      expect(toolMails(subject)).toHaveLength(0);
    }
  });

  it('takes one of two simultaneous decisions and refuses the other', async () => {
    const subject = `twice-${Date.now()}`;
    const { genie } = await gatedGenie(subject);
    const { runId, approval } = await waitingRun(genie.id);
    const answers = await Promise.all([decide(approval.id, 'approve'), decide(approval.id, 'deny')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const winner = answers.find((a) => a.status === 200)!.body.data.status;
    const run = await waitForRun(h, owner, runId);
    expect(run.approvals[0].status).toBe(winner);
    await sleep(300);
    expect(toolMails(subject)).toHaveLength(winner === 'approved' ? 1 : 0);
  });

  it('hides another owner’s approvals: 404 to get, approve and deny, and absent from lists', async () => {
    const { genie } = await gatedGenie(`private-${Date.now()}`);
    const { runId, approval } = await waitingRun(genie.id);
    expect((await h.call('GET', `/v1/approvals/${approval.id}`, { key: stranger.key })).status).toBe(404);
    expect((await decide(approval.id, 'approve', {}, stranger)).status).toBe(404);
    expect((await decide(approval.id, 'deny', {}, stranger)).status).toBe(404);
    const action = await h.call('POST', '/v1/worker-genies', {
      key: stranger.key,
      body: { action: 'approve', approval_id: approval.id },
    });
    expect(action.status).toBe(404);
    const theirs = await h.call('GET', '/v1/approvals', { key: stranger.key });
    expect(theirs.body.data.items).toEqual([]);
    // Still pending for its owner, who can decide by action.
    const mine = await h.call('POST', '/v1/worker-genies', {
      key: owner.key,
      body: { action: 'deny', approval_id: approval.id, note: 'no' },
    });
    expect(mine.body.data.status).toBe('denied');
    await waitForRun(h, owner, runId);
  });

  it('keeps waiting across a worker restart, and goes on when approved', async () => {
    const subject = `restart-${Date.now()}`;
    const { genie } = await gatedGenie(subject);
    const { runId, approval } = await waitingRun(genie.id);
    await worker.stop();
    await sleep(500);
    await startWorker();
    const approved = await decide(approval.id, 'approve');
    expect(approved.status).toBe(200);
    expect((await waitForRun(h, owner, runId)).status).toBe('succeeded');
    await sleep(300);
    expect(toolMails(subject)).toHaveLength(1);
  });

  it('queues a decision no worker can take now (202), and the run applies it once a worker is back', async () => {
    const subject = `no-worker-${Date.now()}`;
    const { genie } = await gatedGenie(subject);
    const { runId, approval } = await waitingRun(genie.id);
    await worker.stop();
    const queued = await decide(approval.id, 'deny', { note: 'decided while the worker was away' });
    expect(queued.status).toBe(202);
    expect(queued.body.data).toMatchObject({ id: approval.id, status: 'pending' });
    // Another decision meanwhile is refused at once; the same one again is queued again.
    const other = await decide(approval.id, 'approve');
    expect(other.status).toBe(409);
    expect(other.body.error.message).toContain('Another decision (denied) is already on its way');
    expect((await decide(approval.id, 'deny', { note: 'decided while the worker was away' })).status).toBe(202);
    await startWorker();
    const run = await waitForRun(h, owner, runId);
    expect(run.status).toBe('succeeded');
    expect(run.approvals).toMatchObject([{ status: 'denied', note: 'decided while the worker was away' }]);
    expect(run.steps.find((s: any) => s.tool === 'notify_owner')).toMatchObject({ is_error: true });
    await sleep(300);
    expect(toolMails(subject)).toHaveLength(0);
    expect((await decide(approval.id, 'approve')).status).toBe(409);
  }, 90_000);

  it('decides once by the email link: valid, reused, tampered', async () => {
    const subject = `link-${Date.now()}`;
    const { genie } = await gatedGenie(subject);
    const { runId, approval } = await waitingRun(genie.id);
    const link = linkIn(await approvalMail(approval.id));
    expect(link.startsWith(`${h.url}/approvals/gat_`)).toBe(true);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Approval needed');
    expect(html).toContain(subject);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');

    const tampered = link.slice(0, -2) + (link.endsWith('AA') ? 'BB' : 'AA');
    expect((await fetch(tampered)).status).toBe(404);
    expect((await postForm(tampered, { decision: 'approve' })).status).toBe(404);
    expect((await fetch(`${h.url}/approvals/gat_nonsense`)).status).toBe(404);

    const decided = await postForm(link, { decision: 'approve', note: 'ok by mail' });
    expect(decided.status).toBe(200);
    expect(await decided.text()).toContain('Approved');
    const reused = await postForm(link, { decision: 'deny' });
    expect(reused.status).toBe(409);
    // Settled, the page says how and nothing else: no tool, input, genie or run.
    const settled = await fetch(link);
    expect(settled.status).toBe(200);
    const settledHtml = await settled.text();
    expect(settledHtml).toContain('This approval is settled');
    expect(settledHtml).toContain('already approved');
    expectNothingOf(settledHtml, { subject, genie, runId, approvalId: approval.id });

    const run = await waitForRun(h, owner, runId);
    expect(run.approvals[0]).toMatchObject({ status: 'approved', note: 'ok by mail' });
    await sleep(300);
    expect(toolMails(subject)).toHaveLength(1);
  });

  it('stops taking decisions by link once the approval has expired', async () => {
    const subject = `link-expired-${Date.now()}`;
    const { genie } = await gatedGenie(subject);
    await h.db('genies').where({ id: genie.id }).update({ approval_timeout_seconds: 2 });
    const { runId, approval } = await waitingRun(genie.id);
    const link = linkIn(await approvalMail(approval.id));
    await waitForRun(h, owner, runId);
    const html = await (await fetch(link)).text();
    expect(html).toContain('This approval expired.');
    expectNothingOf(html, { subject, genie, runId, approvalId: approval.id });
    expect((await postForm(link, { decision: 'approve' })).status).toBe(409);
  });

  it('shows nothing of a denied approval but that it was denied', async () => {
    const subject = `link-denied-${Date.now()}`;
    const { genie } = await gatedGenie(subject);
    const { runId, approval } = await waitingRun(genie.id);
    const link = linkIn(await approvalMail(approval.id));
    expect(await (await fetch(link)).text()).toContain(subject); // open: the call is shown

    expect((await decide(approval.id, 'deny', { note: 'not now, secret reasons' })).status).toBe(200);
    const html = await (await fetch(link)).text();
    expect(html).toContain('This approval was already denied.');
    expectNothingOf(html, { subject, genie, runId, approvalId: approval.id });
    expect(html).not.toContain('secret reasons');
    await waitForRun(h, owner, runId);
  });

  it('expires what a cancelled run waited on', async () => {
    const { genie } = await gatedGenie(`cancel-${Date.now()}`);
    const { runId, approval } = await waitingRun(genie.id);
    const cancelled = await h.call('POST', `/v1/runs/${runId}/cancel`, { key: owner.key });
    expect(cancelled.body.data.status).toBe('cancelled');
    const now = await h.call('GET', `/v1/approvals/${approval.id}`, { key: owner.key });
    expect(now.body.data).toMatchObject({ status: 'expired', note: 'the run ended before a decision' });
    expect((await decide(approval.id, 'approve')).status).toBe(409);
  });

  it('gates web_fetch by method only when asked to', async () => {
    const { genie, marker } = await createScriptedGenie(h, owner, {
      approval_required: ['web_fetch:POST'],
      tools: ['web_fetch'],
    });
    fake.script(marker, [
      toolUse([
        { name: 'web_fetch', input: { url: 'http://127.0.0.1:9/get' } },
        {
          name: 'web_fetch',
          input: { url: 'http://127.0.0.1:9/post', method: 'POST', headers: { Authorization: 'x' } },
        },
      ]),
      text('done'),
    ]);
    const { runId, approval } = await waitingRun(genie.id);
    expect(approval.input).toMatchObject({ method: 'POST', headers: { Authorization: '[REDACTED]' } });
    const run = await waitForRun(h, owner, runId, { until: (r) => r.steps.length >= 2 });
    expect(run.approvals).toHaveLength(1); // the GET went without asking
    await decide(approval.id, 'deny');
    await waitForRun(h, owner, runId);
  });

  it('refuses bad approval rules and timeouts when a genie is saved', async () => {
    for (const body of [
      { approval_required: ['send_email'] },
      { approval_required: ['web_fetch:FETCH'] },
      { approval_required: ['memory_read:GET'] },
      { approval_required: ['notify_owner', 'notify_owner'] },
      { approval_timeout_seconds: 59 },
      { approval_timeout_seconds: 604_801 },
    ]) {
      const res = await h.call('POST', '/v1/worker-genies', {
        key: owner.key,
        body: { name: 'bad', soul_prompt: 'x', ...body },
      });
      expect([res.status, body]).toEqual([400, body]);
    }
  });
});
