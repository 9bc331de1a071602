/** Stops the services of global-setup and removes their temp dir. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__GENIE_TEST_STACK__?.stop();
}
