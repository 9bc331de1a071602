import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Resolves a host name to its addresses (injectable, so tests can play a rebinding DNS). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Why a request was refused before anything was sent. The message is fit for the model. */
export class FetchRefusedError extends Error {
  override name = 'FetchRefusedError';
}

/** Refused because the name did not resolve (now): unlike a private address, this may pass later. */
export class HostUnresolvedError extends FetchRefusedError {
  override name = 'HostUnresolvedError';
}

/** Names that only ever mean "this machine" or "the cloud's metadata service". */
const BLOCKED_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data']);
const BLOCKED_SUFFIXES = ['.localhost', '.internal', '.local'];

/** IPv4-compatible IPv6 (`::a.b.c.d`, deprecated): ipaddr.js calls it unicast, we do not. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

export interface FetchPolicy {
  /** `GENIE_FETCH_ALLOW_HOSTS`: host names, IPs or CIDRs that may be reached though private. */
  allowHosts: readonly string[];
  resolve?: Resolver;
}

interface CompiledPolicy {
  names: Set<string>;
  ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
  resolve: Resolver;
}

const normaliseHost = (host: string) =>
  host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

export function compilePolicy(policy: FetchPolicy): CompiledPolicy {
  const names = new Set<string>();
  const ranges: CompiledPolicy['ranges'] = [];
  for (const entry of policy.allowHosts.map((e) => e.trim()).filter(Boolean)) {
    if (entry.includes('/') && ipaddr.isValidCIDR(entry)) ranges.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(normaliseHost(entry))) {
      const address = ipaddr.parse(normaliseHost(entry));
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else names.add(normaliseHost(entry));
  }
  return { names, ranges, resolve: policy.resolve ?? systemResolver };
}

function inAllowedRange(address: ipaddr.IPv4 | ipaddr.IPv6, policy: CompiledPolicy): boolean {
  return policy.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

/**
 * Why connecting to `address` is refused — the address and its range, e.g. `127.0.0.1 (loopback)` —
 * or undefined when it is a public unicast address.
 */
function addressProblem(address: string, policy: CompiledPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} (not an IP address)`;
  const parsed = ipaddr.parse(address);
  if (inAllowedRange(parsed, policy)) return undefined;
  if (parsed.kind() === 'ipv6' && parsed.match(IPV4_COMPATIBLE)) return `${address} (IPv4-compatible IPv6)`;
  const range = parsed.range();
  return range === 'unicast' ? undefined : `${address} (${range})`;
}

/**
 * Checks what can be checked from the URL alone: http(s) only, no user info, no local or metadata
 * host names, and IP-literal hosts (which never reach a DNS lookup) against the address rules.
 */
export function checkUrl(url: URL, policy: CompiledPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchRefusedError(`Only http and https URLs can be fetched, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new FetchRefusedError('URLs with user names or passwords are refused');
  const host = normaliseHost(url.hostname);
  if (!host) throw new FetchRefusedError('The URL has no host');
  if (policy.names.has(host)) return;
  if (ipaddr.isValid(host)) {
    const problem = addressProblem(host, policy);
    if (problem) throw new FetchRefusedError(`Refused to connect to ${problem}: not a public address`);
    return;
  }
  if (BLOCKED_NAMES.has(host) || BLOCKED_SUFFIXES.some((suffix) => host.endsWith(suffix))) {
    throw new FetchRefusedError(`Refused to connect to ${host}: a local or metadata host name`);
  }
}

/**
 * A `lookup` for http(s) agents that resolves once, refuses the connection if any address is
 * private (unless the host or address is allowed), and hands the socket exactly the addresses it
 * checked: what was checked is what is connected to, so DNS rebinding has no second answer to use.
 */
export function guardedLookup(policy: CompiledPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const host = normaliseHost(hostname);
    policy
      .resolve(host)
      .then((addresses) => {
        if (addresses.length === 0) throw new HostUnresolvedError(`${host} did not resolve`);
        if (!policy.names.has(host)) {
          for (const { address } of addresses) {
            const problem = addressProblem(address, policy);
            if (problem)
              throw new FetchRefusedError(
                `Refused to connect to ${host}: it resolves to ${problem}, not a public address`
              );
          }
        }
        const family = typeof options === 'object' ? options.family : undefined;
        const usable = addresses.filter((a) => !family || family === 0 || a.family === family);
        if (usable.length === 0) throw new FetchRefusedError(`${host} has no IPv${String(family)} address`);
        if (typeof options === 'object' && options.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      })
      .catch((err: unknown) => {
        const error = err instanceof FetchRefusedError ? err : new HostUnresolvedError(`Could not resolve ${host}`);
        callback(Object.assign(error, { code: 'EREFUSED' }), '', 0);
      });
  };
}
