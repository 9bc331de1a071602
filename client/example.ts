// npx tsx client/example.ts, with `npm start` running (KEY: the dev key it printed)
import { GenieClient } from './index';

async function main() {
  const client = new GenieClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.KEY ?? '' });
  const genie = await client.createGenie({ name: 'Haiku', soul_prompt: 'Answer with a haiku.', tools: [] });
  const { run_id } = await client.runGenie(genie.id, { input: 'The first snow' });
  for await (const event of client.streamRun(run_id)) {
    if (event.event === 'step') console.log(`step ${event.data.seq}: ${event.data.kind}`);
    if (event.event === 'end') console.log(`${event.data.status}: ${event.data.output}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
