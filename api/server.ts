import http from 'node:http';
import type express from 'express';
import { StartupError } from '../platform/errors';

/** Listens on `port` and resolves with the server; a taken port is a one-line `StartupError`. */
export function listen(app: express.Express, port: number, host?: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new StartupError(`Port ${port} (API) is already in use; set PORT to a free port.`)
          : err
      );
    });
    server.listen({ port, host }, () => resolve(server));
  });
}

/** Stops accepting connections and waits (up to `graceMs`) for requests in flight. */
export function close(server: http.Server, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
