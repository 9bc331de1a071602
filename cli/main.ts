// `npm run cli -- <command>` (the `genie` CLI): people commands over the REST API, and operator
// commands that reach the database directly.
import { getConfig } from '../platform/config';
import { StartupError } from '../platform/errors';
import { apiClient, apiTarget } from './client';
import { commandOf, PEOPLE_USAGE, runCommand } from './commands';
import { OPERATOR_USAGE, operatorCommandOf, runOperatorCommand } from './operator';

const USAGE = `Usage: npm run cli -- <command> [options]

${PEOPLE_USAGE}

${OPERATOR_USAGE}

  help, --help                                 this text`;

/** Runs the CLI; resolves with its exit status (1 when a followed or shown run did not succeed). */
export async function cliMain(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h')) {
    if (argv.length === 0) {
      console.error(USAGE);
      throw new StartupError('no command given');
    }
    console.log(USAGE);
    return 0;
  }
  try {
    const operator = operatorCommandOf(argv);
    if (operator) {
      await runOperatorCommand(operator, argv, getConfig());
      return 0;
    }
    const command = commandOf(argv);
    if (!command) {
      console.error(USAGE);
      throw new StartupError(`unknown command "${argv.join(' ')}"`);
    }
    const config = getConfig();
    const succeeded = await runCommand(
      command,
      {
        api: apiClient(apiTarget(config, process.env)),
        json: argv.includes('--json'),
        out: (line) => console.log(line),
      },
      argv
    );
    return succeeded ? 0 : 1;
  } catch (err) {
    // node:util parseArgs: an unknown or malformed option is the user's to fix, in one line.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new StartupError((err as Error).message);
    throw err;
  }
}
