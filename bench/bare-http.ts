// The API comparator: a bare Node HTTP server answering every request with the bytes of the file
// named by its first argument, as the API's JSON (`node --import tsx bench/bare-http.ts FILE`).
import fs from 'node:fs';
import http from 'node:http';

const body = fs.readFileSync(process.argv[2]!);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
