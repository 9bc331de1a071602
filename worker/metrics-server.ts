import http from 'node:http';
import type { Registry } from 'prom-client';

export interface WorkerMetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The worker's `GET /metrics`: the genie metrics of `registry` followed by the Temporal SDK's own
 * (its Prometheus exporter listens on a loopback port of its own, `sdkUrl`). One page to scrape.
 */
export async function serveWorkerMetrics(
  port: number,
  registry: Registry,
  sdkUrl: string | undefined
): Promise<WorkerMetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
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
    server.listen(port, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
