import http from 'node:http';
import type { Registry } from 'prom-client';
import { bearerTokenMatches } from '../security/bearer-token';

export interface WorkerMetricsServer {
  /** The address it listens on (`127.0.0.1` unless told). */
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface WorkerMetricsOptions {
  /** The address to listen on (`GENIE_WORKER_METRICS_HOST`): loopback by default. */
  host?: string;
  /** `GENIE_METRICS_TOKEN`: scrapers must send `Authorization: Bearer <token>`; unset: open. */
  token?: string;
}

/**
 * The worker's `GET /metrics`: the genie metrics of `registry` followed by the Temporal SDK's own
 * (its Prometheus exporter listens on a loopback port of its own, `sdkUrl`). One page to scrape.
 * It listens on loopback unless given another address, and wants the bearer token when given one.
 */
export async function serveWorkerMetrics(
  port: number,
  registry: Registry,
  sdkUrl: string | undefined,
  options: WorkerMetricsOptions = {}
): Promise<WorkerMetricsServer> {
  const { host = '127.0.0.1', token } = options;
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
      return;
    }
    if (token && !bearerTokenMatches(req.headers.authorization, token)) {
      res
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
        .end('Unauthorized: send Authorization: Bearer $GENIE_METRICS_TOKEN\n');
      return;
    }
    void (async () => {
      const own = await registry.metrics();
      let sdk = '';
      if (sdkUrl) {
        sdk = await fetch(sdkUrl, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.text())
          .catch((err: unknown) => `# the Temporal SDK's metrics are unavailable: ${String(err)}\n`);
      }
      res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`);
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as { address: string; port: number };
  return {
    host: address.address,
    port: address.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
