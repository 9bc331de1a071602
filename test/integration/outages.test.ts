import { EchoServer } from '../support/echo-server';
import { FakeAnthropic, text, toolUse } from '../fakes/anthropic';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { SmtpSink } from '../support/smtp-sink';
import { TcpProxy, throughProxy } from '../support/tcp-proxy';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * Postgres going away for the worker the moment an effect outside it happened (SMTP accepted an
 * email, a server answered a POST): the run still succeeds, and the effect happened exactly once.
 * The worker reaches Postgres through a proxy the test cuts; the API keeps its own connection.
 */
const OUTAGE_MS = 4000;
let fake: FakeAnthropic;
let smtp: SmtpSink;
let echo: EchoServer;
let proxy: TcpProxy;
let h: Harness;
let worker: TestWorker;
let user: TestUser;
const taskQueue = `outages-${Date.now()}`;

/** Cuts the worker's Postgres now and brings it back after OUTAGE_MS. */
function outage(): Promise<void> {
  proxy.cut();
  return new Promise((resolve) =>
    setTimeout(() => {
      proxy.restore();
      resolve();
    }, OUTAGE_MS)
  );
}

beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  smtp = await new SmtpSink().start();
  echo = await new EchoServer().start();
  const database = new URL(process.env.DATABASE_URL!);
  proxy = await new TcpProxy({ host: database.hostname, port: Number(database.port) }).start();
  h = await startHarness({ taskQueue });
  worker = await startTestWorker({
    taskQueue,
    anthropicBaseUrl: fake.url,
    smtpUrl: smtp.url,
    databaseUrl: throughProxy(process.env.DATABASE_URL!, proxy),
    fetchPolicy: { allowHosts: ['127.0.0.1'] },
  });
  user = await h.createUser('outages');
});
afterAll(async () => {
  await worker.stop();
  await h.close();
  await proxy.close();
  await echo.close();
  await smtp.close();
  await fake.close();
});

describe('Postgres lost right after an outside effect', () => {
  it('sends the email once and the run succeeds', async () => {
    const subject = `outage mail ${Date.now()}`;
    const { genie, marker } = await createScriptedGenie(h, user, { tools: ['notify_owner'] });
    fake.script(marker, [
      toolUse([{ name: 'notify_owner', input: { subject, message: 'once, please', channel: 'email' } }]),
      text('notified'),
    ]);
    let outageOver: Promise<void> | undefined;
    smtp.onReceived = (mail) => {
      if (mail.subject.endsWith(subject)) outageOver ??= outage();
    };
    const { run_id } = await startRun(h, user, genie.id);
    const run = await waitForRun(h, user, run_id, { timeoutMs: 60_000 });
    await outageOver;
    expect(outageOver).toBeDefined();
    expect(run.status).toBe('succeeded');
    expect(smtp.mails.filter((m) => m.subject.endsWith(subject))).toHaveLength(1);
    const notifications = await h.db('notifications').where({ run_id });
    expect(notifications).toHaveLength(1);
    expect(notifications[0].email_status).toBe('sent');
  }, 90_000);

  it('sends a POST once and the run succeeds', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { tools: ['web_fetch'] });
    const url = `http://127.0.0.1:${echo.port}/echo?outage=${Date.now()}`;
    fake.script(marker, [
      toolUse([{ name: 'web_fetch', input: { url, method: 'POST', body: { n: 1 } } }]),
      text('posted'),
    ]);
    let outageOver: Promise<void> | undefined;
    const before = echo.seen.length;
    echo.onRequest = (request) => {
      if (url.endsWith(request.url)) outageOver ??= outage();
    };
    try {
      const { run_id } = await startRun(h, user, genie.id);
      const run = await waitForRun(h, user, run_id, { timeoutMs: 60_000 });
      await outageOver;
      expect(outageOver).toBeDefined();
      expect(run.status).toBe('succeeded');
      expect(echo.seen.slice(before).filter((r) => url.endsWith(r.url))).toHaveLength(1);
    } finally {
      echo.onRequest = undefined;
    }
  }, 90_000);
});
