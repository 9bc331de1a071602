// `npm run chaos`: the outage drill. Starts `npm start` in a temp dir (with a fake Messages API and a
// local SMTP server), starts 20 runs that each email their owner once, and kill -9s Postgres, the
// worker and the Temporal dev server in the middle of them. Then counts: every run must succeed,
// exactly 20 emails must arrive, and the stack must answer healthy again without anyone's help.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FakeAnthropic } from '../test/fakes/anthropic';
import { SmtpSink } from '../test/support/smtp-sink';
import { sleep, startStack } from './stack';

const RUNS = Number(process.env.CHAOS_RUNS ?? 20);

function pidOf(pattern: string): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-f', '--', pattern]).toString().trim().split('\n')[0]);
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const fake = await new FakeAnthropic().start();
  fake.latencyMs = 1500; // each model turn takes a while, so the kills land mid-run
  const smtp = await new SmtpSink().start();
  const stack = await startStack({
    LOG_LEVEL: 'warn',
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'sk-ant-fake-chaos',
    SMTP_URL: smtp.url,
  });
  const get = (url: string) => stack.call('GET', url).catch(() => undefined);
  try {
    const genie = await stack.call('POST', '/v1/worker-genies', {
      name: 'Chaos reporter',
      soul_prompt: 'Look at the leads and email me what you found.',
      tools: ['query_data', 'notify_owner'],
    });
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++)
      runIds.push((await stack.call('POST', `/v1/worker-genies/${genie.id}/run`, {})).run_id);
    console.log(`started ${runIds.length} runs`);

    const kills: Array<[string, string]> = [
      ['postgres', `^[^ ]*postgres -D ${stack.dataDir}`],
      ['worker', `^[^ ]*node [^ ]*bin/worker[.](ts|js)`], // npm start runs dist/bin/worker.js
      ['temporal', `^[^ ]*temporal server start-dev --ip 127.0.0.1 --port ${stack.temporalAddress.split(':')[1]} `],
    ];
    for (const [name, pattern] of kills) {
      await sleep(2500);
      const pid = pidOf(pattern);
      if (!pid) throw new Error(`no ${name} process to kill`);
      process.kill(pid, 'SIGKILL');
      console.log(`kill -9 ${name} (pid ${pid}) at ${new Date().toISOString()}`);
    }

    const deadline = Date.now() + 300_000;
    let runs: any[] = [];
    while (Date.now() < deadline) {
      runs = await Promise.all(runIds.map((id) => get(`/v1/runs/${id}`)));
      if (runs.every((run) => run && ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(run.status))) break;
      await sleep(1000);
    }
    await sleep(2000); // any straggling duplicate email would land by now
    const health = await fetch(`${stack.api}/healthz`).then(
      (res) => res.status,
      () => 0
    );
    const byStatus = runs.reduce<Record<string, number>>((acc, run) => {
      const status = run?.status ?? 'unknown';
      acc[status] = (acc[status] ?? 0) + 1;
      return acc;
    }, {});
    const messageIds = new Set(smtp.mails.map((m) => m.messageId));
    const restarts = stack
      .output()
      .split('\n')
      .filter((line) => /restarting it|running again/.test(line));
    console.log(restarts.join('\n'));
    console.log(
      [
        '',
        '| measure | value |',
        '| --- | --- |',
        `| runs started | ${runIds.length} |`,
        `| runs by status | ${JSON.stringify(byStatus)} |`,
        `| emails received | ${smtp.mails.length} |`,
        `| distinct emails (Message-ID) | ${messageIds.size} |`,
        `| /healthz afterwards | ${health} |`,
      ].join('\n')
    );
    const ok = byStatus.succeeded === RUNS && smtp.mails.length === RUNS && messageIds.size === RUNS && health === 200;
    process.exitCode = ok ? 0 : 1;
  } finally {
    await stack.stop();
    await smtp.close();
    await fake.close();
    fs.rmSync(path.dirname(stack.dataDir), { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
