import { isPortFree } from '../../platform/ports';

const LOW = 20_000;
const HIGH = 32_000; // below Linux's ephemeral range (32768–60999)

/**
 * A free port below the ephemeral range. A stack started with fixed ports (npm start's PORT,
 * GENIE_PG_PORT, …) next to a Temporal dev server needs them: the dev server picks its internal
 * ports by binding port 0 and binds them again later, so a fixed port from the ephemeral range
 * (what `freePort()` gives) can be the very port it picked, taken in between.
 */
export async function freePortOutsideEphemeralRange(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH}`);
}
