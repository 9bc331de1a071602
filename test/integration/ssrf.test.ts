import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { guardedFetch, FetchFailedError } from '../../fetch/guarded-fetch';
import { FetchRefusedError, type FetchPolicy, type Resolver } from '../../fetch/ssrf';

/**
 * The SSRF guard against a trap: a server on every local address that counts connections. Each
 * vector must be refused with FetchRefusedError and without a single connection reaching the trap.
 */

let trap: net.Server;
let trapConnections = 0;
let P = 0;
let redirector: http.Server;
let R = 0;
let redirectTo = '';

const fakeDns: Record<string, string[]> = {
  'evil.test': ['127.0.0.1'],
  'evil6.test': ['::1'],
  'mixed.test': ['8.8.8.8', '127.0.0.1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'meta.test': ['169.254.169.254'],
  'allowed.test': ['127.0.0.1'],
};
const resolver: Resolver = async (host) => {
  const answers = fakeDns[host];
  if (!answers) throw new Error(`no such host ${host}`);
  return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const policy = (allowHosts: string[] = []): FetchPolicy => ({ allowHosts, resolve: resolver });

beforeAll(async () => {
  trap = net.createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen({ port: 0, host: '::', ipv6Only: false }, resolve));
  P = (trap.address() as AddressInfo).port;
  redirector = http.createServer((req, res) => {
    if (req.url === '/ok') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
      return;
    }
    res.writeHead(302, { location: redirectTo }).end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  R = (redirector.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => trap.close(resolve));
  await new Promise((resolve) => redirector.close(resolve));
});
beforeEach(() => {
  trapConnections = 0;
});

const fetchUrl = (url: string, allowHosts: string[] = [], timeoutMs = 2000) =>
  guardedFetch({ url, method: 'GET', headers: {}, timeoutMs }, { policy: policy(allowHosts) });

const directVectors = (): string[] => [
  // loopback, every spelling
  `http://127.0.0.1:${P}/`,
  `http://127.1:${P}/`,
  `http://0x7f000001:${P}/`,
  `http://2130706433:${P}/`,
  `http://017700000001:${P}/`,
  `http://0177.0.0.1:${P}/`,
  `http://0x7f.1:${P}/`,
  `http://127.0.0.2:${P}/`,
  `http://127.0.0.1.:${P}/`,
  `http://%31%32%37.0.0.1:${P}/`,
  `http://0:${P}/`,
  `http://0.0.0.0:${P}/`,
  `http://[::1]:${P}/`,
  `http://[0:0:0:0:0:0:0:1]:${P}/`,
  `http://[::]:${P}/`,
  `http://[::ffff:127.0.0.1]:${P}/`,
  `http://[::ffff:7f00:1]:${P}/`,
  `http://[::127.0.0.1]:${P}/`,
  `http://localhost:${P}/`,
  `http://localhost.:${P}/`,
  `http://LOCALHOST:${P}/`,
  `http://api.localhost:${P}/`,
  // cloud metadata
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata/',
  'http://169.254.0.1/',
  'http://[fe80::1]/',
  // private, CGNAT, reserved, multicast, broadcast, tunnels embedding IPv4
  'http://10.0.0.1/',
  'http://172.16.0.1/',
  'http://192.168.1.1/',
  'http://100.64.0.1/',
  'http://192.0.2.1/',
  'http://198.18.0.1/',
  'http://240.0.0.1/',
  'http://255.255.255.255/',
  'http://224.0.0.1/',
  'http://[ff02::1]/',
  'http://[fc00::1]/',
  'http://[2002:7f00:1::]/',
  'http://[64:ff9b::7f00:1]/',
  'http://[2001::1]/',
  // user info and parser confusion
  'http://user:pass@example.com/',
  `http://example.com@127.0.0.1:${P}/`,
  `http://127.0.0.1:${P}\\@example.com/`,
  `http://127.0.0.1:${P}#@example.com/`,
  // names that resolve to private addresses (DNS answers injected)
  `http://evil.test:${P}/`,
  `http://evil6.test:${P}/`,
  `http://mixed.test:${P}/`,
  `http://mapped.test:${P}/`,
  'http://meta.test/',
];

const schemeVectors = [
  'file:///etc/passwd',
  'ftp://example.com/file',
  'gopher://127.0.0.1:70/',
  'data:text/plain,hello',
  'javascript:alert(1)',
  'ws://127.0.0.1/',
  'dict://127.0.0.1:11211/',
];

describe('the SSRF guard', () => {
  it('has at least 40 direct vectors', () => {
    expect(directVectors().length + schemeVectors.length).toBeGreaterThanOrEqual(40);
  });

  it.each([...Array(51).keys()])('refuses direct vector #%i without a connection', async (i) => {
    const url = directVectors()[i];
    if (!url) return;
    await expect(fetchUrl(url)).rejects.toBeInstanceOf(FetchRefusedError);
    expect(trapConnections).toBe(0);
  });

  it.each(schemeVectors)('refuses the scheme of %s', async (url) => {
    await expect(fetchUrl(url)).rejects.toThrow(FetchRefusedError);
    expect(trapConnections).toBe(0);
  });

  it('refuses every vector when an allowed host redirects to it', async () => {
    const refused: string[] = [];
    for (const target of [...directVectors(), ...schemeVectors]) {
      redirectTo = target;
      try {
        await fetchUrl(`http://allowed.test:${R}/redirect`, ['allowed.test']);
      } catch (err) {
        if (err instanceof FetchRefusedError || err instanceof FetchFailedError) refused.push(target);
      }
    }
    expect(refused).toHaveLength(directVectors().length + schemeVectors.length);
    expect(trapConnections).toBe(0);
  });

  it('connects to the address it checked: a rebinding DNS gets no second answer', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => {
      calls++;
      return calls === 1 ? [{ address: '8.8.8.8', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    };
    const first = guardedFetch(
      { url: `http://rebind.test:${P}/`, method: 'GET', headers: {}, timeoutMs: 1500 },
      { policy: { allowHosts: [], resolve: rebinding } }
    );
    await expect(first).rejects.toBeInstanceOf(FetchFailedError); // 8.8.8.8 is unreachable here
    expect(calls).toBe(1);
    const second = guardedFetch(
      { url: `http://rebind.test:${P}/`, method: 'GET', headers: {}, timeoutMs: 1500 },
      { policy: { allowHosts: [], resolve: rebinding } }
    );
    await expect(second).rejects.toBeInstanceOf(FetchRefusedError);
    expect(trapConnections).toBe(0);
  });

  it('still reaches hosts that GENIE_FETCH_ALLOW_HOSTS opens, by name, address or CIDR', async () => {
    expect((await fetchUrl(`http://allowed.test:${R}/ok`, ['allowed.test'])).body).toBe('fine');
    expect((await fetchUrl(`http://127.0.0.1:${R}/ok`, ['127.0.0.1'])).status).toBe(200);
    expect((await fetchUrl(`http://127.0.0.1:${R}/ok`, ['127.0.0.0/8'])).status).toBe(200);
    await expect(fetchUrl(`http://127.0.0.1:${R}/ok`, ['allowed.test'])).rejects.toThrow(FetchRefusedError);
  });
});
