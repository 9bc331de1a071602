// A standalone fake Messages API for trying Worker Genies without Anthropic:
//   node --import tsx test/fakes/anthropic-server.ts [port]
// then start the stack with ANTHROPIC_BASE_URL=http://127.0.0.1:<port> ANTHROPIC_API_KEY=fake.
import { FakeAnthropic } from './anthropic';

const fake = new FakeAnthropic();
void fake.start(Number(process.argv[2] ?? 4010)).then(() => {
  console.log(`Fake Anthropic Messages API on ${fake.url}`);
});
const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
