import net from 'node:net';
import { StartupError } from './errors';

/** Resolves true when nothing listens on `port` (checked by binding it on all interfaces). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws a one-line error naming the port and the variable that sets it when the port is taken. */
export async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new StartupError(`Port ${port} (${what}) is already in use; set ${variable} to a free port.`);
  }
}

/** A free TCP port picked by the OS (for tests and side-by-side stacks). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
