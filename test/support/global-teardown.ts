import fs from 'node:fs';

/** Stops the services of global-setup and removes their temp dir. */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__GENIE_TEST_STACK__;
  if (!stack) return;
  for (const handle of stack.handles) await handle.stop(5000);
  fs.rmSync(stack.dir, { recursive: true, force: true });
}
