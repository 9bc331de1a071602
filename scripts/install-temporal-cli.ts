// npm postinstall: make sure a Temporal CLI (the dev server and its UI) is on this machine.
import { StartupError } from '../platform/errors';
import { installTemporalCli } from '../dev/temporal-cli';

if (process.env.GENIE_SKIP_TEMPORAL_CLI_INSTALL) {
  // Production images talk to an external Temporal and need no CLI.
  process.exit(0);
}

try {
  const binary = installTemporalCli();
  console.log(`worker-genies: Temporal CLI at ${binary}`);
} catch (err) {
  // A failed download must not fail `npm install`; `npm start` names the problem again.
  console.warn(`worker-genies: ${err instanceof StartupError ? err.message : String(err)}`);
}
