import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { text, toolUse } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/**
 * Run webhooks: signed the Standard Webhooks way, delivered by a Temporal workflow that retries
 * with backoff under one webhook-id, through the same address rules as web_fetch.
 */
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that fails the first `failures` requests with 500. */
class Receiver {
  readonly received: Received[] = [];
  failures = 0;
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body });
      const fail = this.failures > 0;
      if (fail) this.failures--;
      res.writeHead(fail ? 500 : 204).end();
    });
  });
  url = '';
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const loopbackAllowed = { allowHosts: ['127.0.0.1'] };
const { fake, h, createUser } = useStack({
  harness: { fetchPolicy: loopbackAllowed },
  worker: { fetchPolicy: loopbackAllowed },
});
let user: TestUser;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await new Receiver().start();
  user = await createUser('hooks');
});
afterAll(() => receiver.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function deliveriesOf(runId: string, until: (deliveries: any[]) => boolean) {
  for (let i = 0; i < 300; i++) {
    const run = (await h.call('GET', `/v1/runs/${runId}`, { key: user.key })).body.data;
    if (until(run.webhook_deliveries)) return run.webhook_deliveries;
    await sleep(100);
  }
  throw new Error('deliveries did not settle');
}

describe('run webhooks', () => {
  it('retries a failing endpoint with one webhook-id and a valid signature each time', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { webhook_url: receiver.url });
    const secret: string = genie.webhook_secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    fake.script(marker, [text('all done')]);
    receiver.failures = 2;
    const before = receiver.received.length;
    const { run_id } = await startRun(h, user, genie.id);
    expect((await waitForRun(h, user, run_id)).status).toBe('succeeded');

    const [delivery] = await deliveriesOf(run_id, (d) => d[0]?.status === 'delivered');
    expect(delivery).toMatchObject({ event: 'run.succeeded', status: 'delivered', attempts: 3, last_status_code: 204 });
    const attempts = receiver.received.slice(before);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1); // the same event each time
    const verifier = new Webhook(secret);
    for (const attempt of attempts) {
      expect(() => verifier.verify(attempt.body, attempt.headers as Record<string, string>)).not.toThrow();
    }
    const event = JSON.parse(attempts[0]!.body);
    expect(event).toMatchObject({
      type: 'run.succeeded',
      timestamp: expect.any(String),
      data: { id: run_id, genie_id: genie.id, status: 'succeeded', output: 'all done' },
    });
    expect(event.data.steps).toBeUndefined();
    // The workflow that delivered it outlived the run, and is named for the delivery.
    // (It completes a moment after its activity recorded the delivery.)
    const handle = h.temporal.workflow.getHandle(`genie-webhook-${delivery.id}`);
    let status = (await handle.describe()).status.name;
    for (let i = 0; i < 50 && status === 'RUNNING'; i++) {
      await sleep(100);
      status = (await handle.describe()).status.name;
    }
    expect(status).toBe('COMPLETED');
  });

  it('shows the secret once, and rotates it: the old one signs next to the new one for 24 hours, then only the new', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {});
    expect(genie.webhook_secret).toBeUndefined();
    const patched = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: user.key,
      body: { webhook_url: receiver.url, webhook_events: ['run.failed', 'run.succeeded'] },
    });
    const first: string = patched.body.data.webhook_secret;
    expect(first).toMatch(/^whsec_/);
    const got = await h.call('GET', `/v1/worker-genies/${genie.id}`, { key: user.key });
    expect(got.body.data.webhook_secret).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain(first.slice(6));
    const again = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { description: 'x' } });
    expect(again.body.data.webhook_secret).toBeUndefined();

    const rotated = await h.call('POST', `/v1/worker-genies/${genie.id}/rotate-webhook-secret`, { key: user.key });
    const second: string = rotated.body.data.webhook_secret;
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(JSON.stringify(rotated.body)).not.toContain(first.slice(6));
    // The old one signs too for 24 hours from now, by the database's clock.
    const [{ left }] = (
      await h.db.raw(
        `SELECT extract(epoch FROM webhook_previous_secret_expires_at - now()) AS left FROM genies WHERE id = ?`,
        [genie.id]
      )
    ).rows;
    expect(Number(left)).toBeGreaterThan(86_400 - 60);
    expect(Number(left)).toBeLessThanOrEqual(86_400);

    /** The next delivery of a run of the genie: its headers and body. */
    const nextDelivery = async () => {
      fake.script(marker, [text('ok')]);
      const before = receiver.received.length;
      const { run_id } = await startRun(h, user, genie.id);
      await waitForRun(h, user, run_id);
      await deliveriesOf(run_id, (d) => d[0]?.status === 'delivered');
      const attempt = receiver.received.slice(before)[0]!;
      const verifies = (secret: string) => {
        try {
          new Webhook(secret).verify(attempt.body, attempt.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      };
      return { signatures: String(attempt.headers['webhook-signature']).split(' '), verifies };
    };

    // While both sign: two signatures, the new one's first; a receiver with either secret accepts it.
    const during = await nextDelivery();
    expect(during.signatures).toHaveLength(2);
    expect(during.signatures.every((sig) => /^v1,[A-Za-z0-9+/=]+$/.test(sig))).toBe(true);
    expect(during.verifies(second)).toBe(true);
    expect(during.verifies(first)).toBe(true);
    expect(during.verifies(`whsec_${Buffer.alloc(24, 7).toString('base64')}`)).toBe(false);

    // Once the previous secret has expired, only the new one signs.
    await h
      .db('genies')
      .where({ id: genie.id })
      .update({ webhook_previous_secret_expires_at: h.db.raw(`now() - interval '1 second'`) });
    const after = await nextDelivery();
    expect(after.signatures).toHaveLength(1);
    expect(after.verifies(second)).toBe(true);
    expect(after.verifies(first)).toBe(false);

    // Rotating again: the one just replaced signs next to the newest; the first is gone for good.
    const third: string = (
      await h.call('POST', `/v1/worker-genies/${genie.id}/rotate-webhook-secret`, { key: user.key })
    ).body.data.webhook_secret;
    const rotatedAgain = await nextDelivery();
    expect([rotatedAgain.verifies(third), rotatedAgain.verifies(second), rotatedAgain.verifies(first)]).toEqual([
      true,
      true,
      false,
    ]);

    // Removing the webhook forgets both secrets.
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { webhook_url: null } });
    expect(
      await h
        .db('genies')
        .where({ id: genie.id })
        .first('webhook_secret_sealed', 'webhook_previous_secret_sealed', 'webhook_previous_secret_expires_at')
    ).toEqual({
      webhook_secret_sealed: null,
      webhook_previous_secret_sealed: null,
      webhook_previous_secret_expires_at: null,
    });
  });

  it('follows no redirect: a 3xx is a failed attempt, retried, and the target never hears of it', async () => {
    const target = await new Receiver().start();
    const hops: Array<{ method?: string }> = [];
    const redirector = http.createServer((req, res) => {
      hops.push({ method: req.method });
      req.resume();
      res.writeHead(302, { location: target.url }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hooks`;
      const { genie, marker } = await createScriptedGenie(h, user, { webhook_url: url });
      fake.script(marker, [text('done')]);
      const { run_id } = await startRun(h, user, genie.id);
      await waitForRun(h, user, run_id);
      const [delivery] = await deliveriesOf(run_id, (d) => d[0]?.attempts >= 2);
      expect(delivery).toMatchObject({ event: 'run.succeeded', status: 'pending', last_status_code: 302 });
      expect(delivery.last_error).toContain('HTTP 302');
      expect(hops.length).toBeGreaterThanOrEqual(2);
      expect(hops.every((hop) => hop.method === 'POST')).toBe(true);
      await sleep(300);
      expect(target.received).toEqual([]); // neither the POST nor a GET in its place
      await h.temporal.workflow.getHandle(`genie-webhook-${delivery.id}`).terminate('test over');
    } finally {
      await new Promise((resolve) => redirector.close(resolve));
      await target.close();
    }
  });

  it('sends only the events the genie asked for, approval.requested included', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      webhook_url: receiver.url,
      webhook_events: ['approval.requested'],
      approval_required: ['memory_write'],
      tools: ['memory_write'],
    });
    fake.script(marker, [toolUse([{ name: 'memory_write', input: { key: 'a', value: 1 } }]), text('done')]);
    const before = receiver.received.length;
    const { run_id } = await startRun(h, user, genie.id);
    const waiting = await waitForRun(h, user, run_id, { until: (r) => r.approvals.length === 1 });
    const approvalId = waiting.approvals[0].id;
    const [delivery] = await deliveriesOf(run_id, (d) => d[0]?.status === 'delivered');
    expect(delivery.event).toBe('approval.requested');
    const event = JSON.parse(receiver.received.slice(before)[0]!.body);
    expect(event).toMatchObject({ type: 'approval.requested', data: { id: approvalId, status: 'pending' } });
    await h.call('POST', `/v1/approvals/${approvalId}/approve`, { key: user.key });
    expect((await waitForRun(h, user, run_id)).status).toBe('succeeded');
    await sleep(500);
    const after = await h.call('GET', `/v1/runs/${run_id}`, { key: user.key });
    expect(after.body.data.webhook_deliveries.map((d: any) => d.event)).toEqual(['approval.requested']);
  });

  it('refuses a webhook URL at a private address when the genie is saved', async () => {
    for (const url of [
      'http://10.0.0.5/hook',
      'http://169.254.169.254/latest',
      'http://localhost:8080/x',
      'ftp://example.com/x',
    ]) {
      const res = await h.call('POST', '/v1/worker-genies', {
        key: user.key,
        body: { name: 'hook', soul_prompt: 'x', webhook_url: url },
      });
      expect([url, res.status]).toEqual([url, 400]);
      expect(JSON.stringify(res.body.error.details)).toContain('webhook_url');
    }
  });

  it('gives up at once on a URL that turns out private at delivery, without retrying', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { webhook_url: receiver.url });
    // Saved before the rules could see it (say, a name that now resolves privately): the worker refuses it.
    await h.db('genies').where({ id: genie.id }).update({ webhook_url: 'http://metadata.google.internal/hook' });
    fake.script(marker, [text('done')]);
    const { run_id } = await startRun(h, user, genie.id);
    await waitForRun(h, user, run_id);
    const [delivery] = await deliveriesOf(run_id, (d) => d[0]?.status === 'failed');
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, last_status_code: null });
    expect(delivery.last_error).toContain('metadata');
  });

  it('keeps retrying a host name that does not resolve (yet), with the same delivery', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { webhook_url: 'http://hooks.not-yet.invalid/x' });
    fake.script(marker, [text('done')]);
    const { run_id } = await startRun(h, user, genie.id);
    await waitForRun(h, user, run_id);
    const [delivery] = await deliveriesOf(run_id, (d) => d[0]?.attempts >= 2);
    expect(delivery).toMatchObject({ event: 'run.succeeded', status: 'pending', last_status_code: null });
    expect(delivery.last_error).toContain('resolve');
  });
});
