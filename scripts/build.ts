// `npm run build`, and the first step of `npm start`: the runtime code as CommonJS JavaScript in
// dist/ (one file per source file, the same folders, so relative requires and paths beside a file
// work as they do from the sources), and the workflows bundled ahead of time for the worker.
// Typechecking stays `tsc --noEmit`; esbuild only strips types, as tsx does.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../platform/project';
import { StartupError } from '../platform/errors';
import { runMain } from '../platform/process';
import { bundleWorkflows, WORKFLOW_BUNDLES } from '../worker/workflow-bundle';

/** The folders of the runtime code (tsconfig.build.json's list); test/ and bench/ run from source. */
const SOURCE_DIRS = (
  JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'tsconfig.build.json'), 'utf8')) as {
    include: string[];
  }
).include;
const DIST = path.join(PROJECT_ROOT, 'dist');
const BUNDLE_STAMPS = path.join(DIST, 'workflow-bundles.json');

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : entry.isFile() ? [path.join(dir, entry.name)] : []
    );
}

/** Writes `contents` to `file` unless it already holds them, by rename: a running process never reads half a file. */
function writeIfChanged(file: string, contents: Uint8Array | string): boolean {
  const bytes = typeof contents === 'string' ? Buffer.from(contents) : Buffer.from(contents);
  try {
    if (fs.readFileSync(file).equals(bytes)) return false;
  } catch {
    // not there yet
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, file);
  return true;
}

/** Compiles every .ts file of the runtime folders to dist/, copies their .js files, removes what has no source any more. */
async function compile(): Promise<{ files: number; written: number }> {
  const sources = SOURCE_DIRS.flatMap(filesUnder);
  const typescript = sources.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const result = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: typescript,
    outdir: DIST,
    outbase: '.',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
  }).catch((err: unknown) => {
    // esbuild's message lists each error with its file and line
    throw new StartupError(err instanceof Error ? err.message : String(err));
  });
  const outputs = new Map<string, Uint8Array | string>(result.outputFiles.map((file) => [file.path, file.contents]));
  for (const file of sources.filter((source) => source.endsWith('.js'))) {
    outputs.set(path.join(DIST, file), fs.readFileSync(path.join(PROJECT_ROOT, file)));
  }
  let written = 0;
  for (const [file, contents] of outputs) if (writeIfChanged(file, contents)) written++;
  // (earlier builds linked dist/console to console/; the API now finds console/ from the project root)
  fs.rmSync(path.join(DIST, 'console'), { force: true });
  for (const dir of SOURCE_DIRS) {
    if (!fs.existsSync(path.join(DIST, dir))) continue;
    for (const file of filesUnder(path.join('dist', dir))) {
      // (a .tmp file is another build's write in flight, about to be renamed)
      if (!outputs.has(path.join(PROJECT_ROOT, file)) && !file.endsWith('.tmp')) {
        fs.rmSync(path.join(PROJECT_ROOT, file), { force: true });
      }
    }
  }
  return { files: outputs.size, written };
}

/**
 * The project files a bundle was made of: the sources its inline source map lists (workflows/,
 * what they import from temporal/ and domain/), relative to the project.
 */
function bundledSources(code: string): string[] {
  const map = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code)?.[1];
  if (!map) return [];
  const { sources } = JSON.parse(Buffer.from(map, 'base64').toString('utf8')) as { sources: string[] };
  return sources
    .filter((source) => path.isAbsolute(source) && !source.includes(`${path.sep}node_modules${path.sep}`))
    .map((source) => path.relative(PROJECT_ROOT, source))
    .filter((source) => !source.startsWith('..') && fs.existsSync(path.join(PROJECT_ROOT, source)));
}

/**
 * What decides the bundles' contents: the project files in them, how they are bundled (this script
 * and worker/workflow-bundle.ts), the locked dependencies and the installed Temporal packages.
 * Unchanged since the last bundling means the bundles are still good.
 */
function bundleInputsHash(sources: string[]): string {
  const temporalPackages = fs
    .readdirSync(path.join(PROJECT_ROOT, 'node_modules', '@temporalio'))
    .map((name) => path.join('node_modules', '@temporalio', name, 'package.json'));
  const hash = crypto.createHash('sha256');
  for (const file of [
    ...sources,
    'scripts/build.ts',
    'worker/workflow-bundle.ts',
    'package-lock.json',
    ...temporalPackages,
  ]) {
    hash.update(`${file}\0`);
    try {
      hash.update(fs.readFileSync(path.join(PROJECT_ROOT, file)));
    } catch {
      hash.update('(missing)');
    }
  }
  return hash.digest('hex');
}

/** What each bundle in dist/ was made of, by file name (dist/workflow-bundles.json). */
type BundleStamps = Record<string, { sources: string[]; hash: string }>;

function readStamps(): BundleStamps {
  try {
    return JSON.parse(fs.readFileSync(BUNDLE_STAMPS, 'utf8')) as BundleStamps;
  } catch {
    return {};
  }
}

/** Whether the bundle `file` in dist/ was made from what is here now. */
function bundleFresh(stamps: BundleStamps, file: string): boolean {
  const stamp = stamps[file];
  return (
    stamp !== undefined &&
    stamp.sources.length > 0 &&
    fs.existsSync(path.join(DIST, file)) &&
    stamp.hash === bundleInputsHash(stamp.sources)
  );
}

/**
 * Makes the wanted bundles that are missing or stale, and removes the stale ones not wanted (a
 * worker without its bundle bundles at start; one with a stale bundle would run old workflows).
 */
async function bundle(wanted: ReadonlyArray<(typeof WORKFLOW_BUNDLES)[number]>): Promise<string[]> {
  const stamps = readStamps();
  const made: string[] = [];
  for (const { file, tracing } of WORKFLOW_BUNDLES) {
    if (bundleFresh(stamps, file)) continue;
    delete stamps[file];
    fs.rmSync(path.join(DIST, file), { force: true });
    if (!wanted.some((bundle) => bundle.file === file)) continue;
    const code = await bundleWorkflows(tracing).catch((err: unknown) => {
      throw new StartupError(`bundling the workflows failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    const sources = bundledSources(code).sort();
    writeIfChanged(path.join(DIST, file), code);
    stamps[file] = { sources, hash: bundleInputsHash(sources) };
    made.push(file);
  }
  writeIfChanged(BUNDLE_STAMPS, `${JSON.stringify(stamps, null, 2)}\n`);
  return made;
}

runMain('build', async () => {
  const started = Date.now();
  const { files, written } = await compile();
  const compiledMs = Date.now() - started;
  // `npm start` (--for-start) skips the tracing bundle unless tracing is on: a few seconds saved
  // whenever the workflows change. `npm run build` (images, production) makes both.
  const forStart = process.argv.includes('--for-start');
  const wanted = WORKFLOW_BUNDLES.filter(
    (bundle) => !forStart || !bundle.tracing || Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim())
  );
  const made = await bundle(wanted);
  console.log(
    `worker-genies: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)}s (${files} files, ` +
      `${written} changed, ${compiledMs} ms; workflow bundles ${made.length ? `made: ${made.join(', ')}` : 'up to date'})`
  );
});
