// `npm run worker`: the Temporal worker alone, for production (Postgres and Temporal elsewhere).
import { runMain } from '../platform/process';
import { runWorker } from '../worker/main';

runMain('worker', () => runWorker());
