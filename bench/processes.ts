// What each process of a running stack costs, read from /proc (Linux): resident memory now, and
// CPU time so far, with the processes grouped by their role in the stack.
import fs from 'node:fs';

/** The roles the bench reports; the processes of one role are added up. */
export const ROLES = [
  'supervisor',
  'api',
  'worker',
  'postgres-wrapper',
  'postgres',
  'temporal',
  'bare-worker',
] as const;
export type Role = (typeof ROLES)[number];

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux build that matters). */
const TICKS_PER_SECOND = 100;

interface Stat {
  ppid: number;
  /** CPU seconds of the process itself, and of its children it has waited for. */
  cpu: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after its `)`.
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return { ppid: Number(fields[1]), cpu: (utime! + stime! + cutime! + cstime!) / TICKS_PER_SECOND };
  } catch {
    return undefined; // it exited meanwhile
  }
}

function readCmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function rssBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every live descendant of `root` (and `root`), with its parent. */
function tree(root: number): Map<number, Stat> {
  const all = new Map<number, Stat>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) all.set(Number(entry), stat);
  }
  const inTree = new Map<number, Stat>();
  const visit = (pid: number) => {
    const stat = all.get(pid);
    if (!stat || inTree.has(pid)) return;
    inTree.set(pid, stat);
    for (const [child, s] of all) if (s.ppid === pid) visit(child);
  };
  visit(root);
  return inTree;
}

/** The role of a process, from its command line; undefined for helpers the bench does not count (npm, guards). */
export function roleOf(cmdline: string): Role | undefined {
  if (/^(\S*\/)?(sh|npm|bash) |guard\.js/.test(cmdline)) return undefined; // shells and the Temporal server's guard
  if (/bin\/dev\.(ts|js)/.test(cmdline)) return 'supervisor';
  if (/bin\/api\.(ts|js)/.test(cmdline)) return 'api';
  if (/bin\/worker\.(ts|js)/.test(cmdline)) return 'worker';
  if (/bin\/embedded-postgres\.(ts|js)/.test(cmdline)) return 'postgres-wrapper';
  if (/bench\/bare-worker\.(ts|js)/.test(cmdline)) return 'bare-worker';
  if (/^postgres:|\/postgres( |$)/.test(cmdline)) return 'postgres';
  if (/temporal\S* server start-dev/.test(cmdline)) return 'temporal';
  return undefined;
}

export interface RoleSample {
  /** Resident memory of the role's processes, added up. For Postgres this counts shared buffers once per backend. */
  rss: number;
  /** CPU seconds used so far by the role's processes (Postgres: with its exited backends). */
  cpu: number;
}

export type Sample = Record<Role, RoleSample>;

/** One reading of every role under the given root processes. */
export function sample(roots: number[]): Sample {
  const result = Object.fromEntries(ROLES.map((role) => [role, { rss: 0, cpu: 0 }])) as Sample;
  for (const root of roots) {
    for (const [pid, stat] of tree(root)) {
      const role = roleOf(readCmdline(pid));
      if (!role) continue;
      result[role].rss += rssBytes(pid);
      result[role].cpu += stat.cpu;
    }
  }
  return result;
}

/** CPU seconds per role between two samples. */
export function cpuBetween(before: Sample, after: Sample): Record<Role, number> {
  return Object.fromEntries(ROLES.map((role) => [role, after[role].cpu - before[role].cpu])) as Record<Role, number>;
}

/** Samples every `intervalMs` until stopped, keeping each role's highest RSS. */
export function watchPeakRss(roots: number[], intervalMs = 100): { stop(): Record<Role, number> } {
  const peak = Object.fromEntries(ROLES.map((role) => [role, 0])) as Record<Role, number>;
  const take = () => {
    const now = sample(roots);
    for (const role of ROLES) peak[role] = Math.max(peak[role], now[role].rss);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/** The pids of the given roles' processes under `roots`. */
export function pidsOf(roots: number[], roles: Role[]): number[] {
  return roots.flatMap((root) => [...tree(root).keys()].filter((pid) => roles.includes(roleOf(readCmdline(pid))!)));
}
