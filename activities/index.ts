import type { Db } from '../db';
import type { Logger } from '../lib/logger';

/** What activities need from the process; the worker wires real clients, tests wire their own. */
export interface ActivityDeps {
  db: Db;
  logger: Logger;
}

/** The activities the worker registers, bound to their dependencies. */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
