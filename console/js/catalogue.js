// The server's catalogues (GET /v1/catalogue): its tools, approval gates, webhook events, schedule
// overlap options, genie defaults and limits, run phase labels. Asked once, then kept in memory.
import { get } from './api.js';
import { useLoad } from './ui.js';

let request;

/** The catalogue: one request for the whole page; a failed one is asked again next time. */
export function loadCatalogue() {
  request ??= get('/v1/catalogue').catch((error) => {
    request = undefined;
    throw error;
  });
  return request;
}

/** The catalogue in a component: {data, error, loading}. */
export const useCatalogue = () => useLoad(loadCatalogue);

/** A run phase (`live.phase`) as people read it. */
export const phaseLabel = (catalogue, phase) =>
  catalogue?.run_phases.find((entry) => entry.phase === phase)?.label ?? phase;
