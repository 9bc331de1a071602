import crypto from 'node:crypto';
import path from 'node:path';
import { createDb, type Db } from '../../db';
import { FakeAnthropic } from '../fakes/anthropic';
import { startHarness, type Harness, type HarnessOptions, type TestUser } from './harness';
import { SmtpSink } from './smtp-sink';
import { startTestWorker, type TestWorker, type TestWorkerOptions } from './worker';

/** A worker's options in {@link useStack}: the task queue, the model's URL and the SMTP URL are filled in. */
export type StackWorkerOptions = Partial<Omit<TestWorkerOptions, 'taskQueue'>> & {
  /** Links in the worker's emails point at this file's API (`h.url`), so a test can follow them. */
  linksToApi?: boolean;
};

export interface StackOptions {
  /** The fake Messages API (`fake`); default true. */
  fake?: boolean;
  /**
   * The real API app on the file's task queue (`h`): true (the default) or its options. false: no
   * API, and `db` is a Postgres pool of its own.
   */
  harness?: boolean | Omit<HarnessOptions, 'taskQueue'>;
  /** The real worker on the file's task queue, calling `fake`: true or its options; default none. */
  worker?: boolean | StackWorkerOptions;
  /** An SMTP server on loopback (`smtp`) that the worker sends its mail to; default none. */
  smtp?: boolean;
  /** The first part of the task queue's name; default the test file's name. */
  name?: string;
}

/**
 * The stack of one test file. `taskQueue` is known at once; the rest is filled in by the file's
 * first `beforeAll` and may be destructured at module level (each is a stand-in that forwards to
 * the real object once it is started, and throws if used before or if the file did not ask for it).
 */
export interface Stack {
  /** This file's own task queue (the harness starts runs on it, the worker polls it). */
  taskQueue: string;
  fake: FakeAnthropic;
  h: Harness;
  /** The suite's Postgres: the harness's pool, or one of its own without a harness. */
  db: Db;
  /** The worker running now (after `worker.stop()`, `startWorker()` starts the next one). */
  worker: TestWorker;
  smtp: SmtpSink;
  /** A new user with its own API key (`h.createUser`). */
  createUser: (label?: string) => Promise<TestUser>;
  /** Starts the worker again with the same options, to play a restart; the stack stops it at the end. */
  startWorker: () => Promise<TestWorker>;
}

interface Started {
  fake?: FakeAnthropic;
  smtp?: SmtpSink;
  h?: Harness;
  db?: Db;
  worker?: TestWorker;
}

/**
 * What most integration files set up, once: registers a `beforeAll` that starts the fake model, an
 * SMTP sink, the API and a worker (as asked, in that order, the worker's links and mail wired to
 * them), and an `afterAll` that stops whatever started, the other way round. Call it at the top of
 * the file, before the file's own hooks: those run after it, so they can use the stack.
 *
 * ```ts
 * const { fake, h, createUser } = useStack({ worker: true });
 * let user: TestUser;
 * beforeAll(async () => {
 *   user = await createUser('runner');
 * });
 * ```
 */
export function useStack(options: StackOptions = {}): Stack {
  const wants = {
    fake: options.fake ?? true,
    harness: options.harness ?? true,
    worker: options.worker ?? false,
    smtp: options.smtp ?? false,
  };
  const name = options.name ?? path.basename(expect.getState().testPath ?? 'stack').replace(/\.test\.ts$/, '');
  const taskQueue = `${name}-${Date.now()}-${crypto.randomBytes(3).toString('hex')}`;
  const started: Started = {};
  let setUp = false;

  let workerRunning = false;
  const startWorker = async (): Promise<TestWorker> => {
    if (!wants.worker) throw new Error('useStack: this file asked for no worker (pass { worker: true })');
    if (workerRunning) throw new Error('useStack: the worker is running (worker.stop() first, to play a restart)');
    const { linksToApi, ...workerOptions } = wants.worker === true ? ({} as StackWorkerOptions) : wants.worker;
    if (!started.fake && !workerOptions.anthropicBaseUrl) {
      throw new Error('useStack: a worker needs the fake model (fake: true) or an anthropicBaseUrl');
    }
    if (linksToApi && !started.h) throw new Error('useStack: linksToApi needs the harness');
    const worker = await startTestWorker({
      taskQueue,
      anthropicBaseUrl: started.fake?.url ?? '',
      smtpUrl: started.smtp?.url,
      publicUrl: linksToApi ? started.h?.url : undefined,
      ...workerOptions,
    });
    workerRunning = true;
    let stopped: Promise<void> | undefined;
    // Stopping twice (a test stopped it, then the stack at the end) stops it once.
    const stop = () => {
      workerRunning = false;
      return (stopped ??= worker.stop());
    };
    started.worker = { taskQueue, stop };
    return started.worker;
  };

  beforeAll(async () => {
    setUp = true;
    if (wants.fake) started.fake = await new FakeAnthropic().start();
    if (wants.smtp) started.smtp = await new SmtpSink().start();
    if (wants.harness) {
      started.h = await startHarness({ ...(wants.harness === true ? {} : wants.harness), taskQueue });
      started.db = started.h.db;
    } else {
      started.db = createDb(process.env.DATABASE_URL!);
    }
    if (wants.worker) await startWorker();
  });

  afterAll(async () => {
    await started.worker?.stop();
    if (started.h) await started.h.close();
    else await started.db?.destroy();
    await started.smtp?.close();
    await started.fake?.close();
  });

  const part = <K extends keyof Started>(key: K, asked: boolean, hint: string) =>
    late(() => {
      if (!asked) throw new Error(`useStack: this file asked for no ${key} (${hint})`);
      const value = started[key];
      if (value === undefined) {
        throw new Error(
          setUp
            ? `useStack: ${key} did not start (see the error of beforeAll)`
            : `useStack: ${key} is used before the stack's beforeAll ran (use it in a hook or a test)`
        );
      }
      return value;
    }, key === 'db');

  const h = part('h', Boolean(wants.harness), 'pass { harness: true }');
  return {
    taskQueue,
    fake: part('fake', wants.fake, 'pass { fake: true }'),
    h,
    db: part('db', true, ''),
    worker: part('worker', Boolean(wants.worker), 'pass { worker: true }'),
    smtp: part('smtp', wants.smtp, 'pass { smtp: true }'),
    createUser: (label) => h.createUser(label),
    startWorker,
  };
}

/**
 * A stand-in for the object `current()` returns when used: reads, writes and calls go to it (its
 * class's methods bound to it). `callable`: the object is a function (knex), so calls go to it too.
 */
function late<T extends object>(current: () => T, callable: boolean): T {
  const target = callable ? function stackPart() {} : {};
  return new Proxy(target, {
    get(_, prop) {
      // A promise resolver or a printer asking whether this is a thenable or for a symbol: not yet.
      let value: T;
      try {
        value = current();
      } catch (error) {
        if (prop === 'then' || typeof prop === 'symbol') return undefined;
        throw error;
      }
      const member: unknown = Reflect.get(value, prop, value);
      return typeof member === 'function' && !Object.prototype.hasOwnProperty.call(value, prop)
        ? (member as (...args: unknown[]) => unknown).bind(value)
        : member;
    },
    set: (_, prop, member) => Reflect.set(current(), prop, member),
    has: (_, prop) => prop in current(),
    apply: (_, self, args) => Reflect.apply(current() as (...args: unknown[]) => unknown, self, args),
  }) as T;
}
