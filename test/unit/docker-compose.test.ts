import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigSchema, parseConfig } from '../../platform/config';

const ROOT = path.resolve(__dirname, '../..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });

/** `${VAR:?message}` and `${VAR:-default}` as compose would resolve them with VAR set to `value`. */
function interpolate(value: unknown, vars: Record<string, string>): string {
  return String(value).replace(/\$\{(\w+)(?::[-?]([^}]*))?\}/g, (_m, name: string, fallback?: string) =>
    name in vars ? vars[name]! : (fallback ?? '')
  );
}

describe('docker-compose.yml', () => {
  it('has the production-like services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'migrate', 'postgres', 'temporal', 'temporal-postgres', 'temporal-ui', 'worker'].sort()
    );
  });

  it('runs api, worker and migrate from one image with different commands', () => {
    const { api, worker, migrate } = compose.services;
    expect(api.image).toBe(worker.image);
    expect(migrate.image).toBe(api.image);
    expect(api.command.join(' ')).toContain('bin/api.ts');
    expect(worker.command.join(' ')).toContain('bin/worker.ts');
    expect(migrate.command.join(' ')).toContain('bin/migrate.ts');
    for (const entry of [api.command[3], worker.command[3], migrate.command[3]]) {
      expect(fs.existsSync(path.join(ROOT, entry))).toBe(true);
    }
  });

  it.each(['api', 'worker', 'migrate'])('gives %s only variables the config module knows, and valid ones', (name) => {
    const env: Record<string, unknown> = compose.services[name].environment;
    const known = Object.keys(ConfigSchema.shape);
    expect(Object.keys(env).filter((key) => !known.includes(key))).toEqual([]);
    const resolved = Object.fromEntries(
      Object.entries(env).map(([key, value]) => [
        key,
        interpolate(value, {
          GENIE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
          GENIE_PAYLOAD_KEYS: `p1:${Buffer.alloc(32, 8).toString('base64')}`,
        }),
      ])
    );
    const config = parseConfig(resolved);
    expect(config.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.NODE_ENV).toBe('production');
  });

  it('points the app at its own Postgres and Temporal at a separate one', () => {
    const { postgres, temporal } = compose.services;
    expect(postgres.environment.POSTGRES_DB).toBe('genies');
    expect(temporal.environment.POSTGRES_SEEDS).toBe('temporal-postgres');
    expect(compose.services['temporal-ui'].environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('requires an encryption key rather than running without one', () => {
    expect(compose.services.api.environment.GENIE_ENCRYPTION_KEYS).toMatch(/^\$\{GENIE_ENCRYPTION_KEYS:\?/);
    expect(compose.services.worker.environment.GENIE_PAYLOAD_KEYS).toMatch(/^\$\{GENIE_PAYLOAD_KEYS:\?/);
  });

  it('has a Dockerfile that builds the image the services use', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(compose.services.migrate.build).toBe('.');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
    // Every folder of the production build (tsconfig.build.json) is in the image.
    const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(build.include).toEqual(expect.arrayContaining(['bin', 'api', 'db', 'workflows', 'activities', 'worker']));
    for (const dir of build.include) {
      expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
    }
  });
});
