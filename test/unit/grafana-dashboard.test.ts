import fs from 'node:fs';
import path from 'node:path';
import { createGenieMetrics, createHttpMetrics } from '../../platform/metrics';

/** The shipped Grafana dashboard asks only for metrics the service really exports. */
const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, '../../ops/grafana/worker-genies.json'), 'utf8')) as {
  uid: string;
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

describe('ops/grafana/worker-genies.json', () => {
  it('queries only genie metrics that exist (with their histogram series)', async () => {
    const exported = new Set<string>();
    for (const registry of [createGenieMetrics().registry, createHttpMetrics().registry]) {
      for (const metric of await registry.getMetricsAsJSON()) {
        exported.add(metric.name);
        if (metric.type.toString() === 'histogram')
          for (const s of ['_bucket', '_sum', '_count']) exported.add(metric.name + s);
      }
    }
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/genie_\w+/g) ?? []));
    expect(used.length).toBeGreaterThan(8);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
    // Every genie metric is on the dashboard.
    const shown = new Set(used.map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    const families = [...exported].filter((name) => !/_(bucket|sum|count)$/.test(name));
    expect(families.filter((name) => !shown.has(name))).toEqual([]);
  });

  it('has a stable uid and a title on every panel', () => {
    expect(dashboard.uid).toBe('worker-genies');
    expect(dashboard.panels.every((p) => p.title && p.targets.length > 0)).toBe(true);
  });
});
