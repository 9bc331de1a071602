// `npm run cli -- <command>`: the `genie` CLI (see cli/main.ts; `npm run cli -- help` lists it all).
import { cliMain } from '../cli/main';
import { runMain } from '../platform/process';

runMain('cli', async () => {
  process.exitCode = await cliMain(process.argv.slice(2));
});
