import path from 'node:path';

/** Whether this runs as the compiled JavaScript of dist/ (`npm start`, `npm run api|worker`), not the sources. */
export const RUNS_COMPILED = __filename.endsWith('.js');

/** The checkout (or image) root: above platform/, or above dist/platform/ when compiled. */
export const PROJECT_ROOT = path.resolve(__dirname, RUNS_COMPILED ? '../..' : '..');
