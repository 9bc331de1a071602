// The codec server: the Temporal UI and `temporal workflow show --codec-endpoint` send the encrypted
// payloads of a history here and get them back readable (and the UI encodes what an operator types,
// say a signal's input). It speaks Temporal's remote codec protocol:
//   POST /codec/decode | /codec/encode  {"payloads": [{"metadata": {k: base64}, "data": base64}]}
import ipaddr from 'ipaddr.js';
import type { PayloadCodec } from '@temporalio/common';
import express, { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { bearerTokenMatches } from '../../security/bearer-token';
import { PayloadDecodeError } from '../../security/payload-codec';
import { ApiError, UnauthorizedError, ValidationError } from '../errors';
import { verifyJsonDepth } from '../middleware/input';
import { route } from './define';

/** A history's worth of payloads per request at most. */
const CODEC_BODY_LIMIT = '16mb';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** `GENIE_CODEC_TOKEN`: callers must send `Authorization: Bearer <token>`. */
  token?: string;
  /** Without a token: whether loopback callers may use it (the dev stack; never in production). */
  allowLoopback: boolean;
  /**
   * Networks (CIDRs or addresses) whose callers need no token: where a browser showing the Temporal
   * UI reaches the codec from (the UI cannot send a fixed token). Trusts the network, not a person.
   */
  allowNetworks?: string[];
  /** Origins whose pages may call it from a browser (the Temporal UI's). */
  corsOrigins: string[];
}

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const CodecBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), Base64).optional(), data: Base64.optional() }))
    .max(10_000),
});

type WirePayload = z.infer<typeof CodecBody>['payloads'][number];

const fromWire = (p: WirePayload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toWire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** A parsed address, IPv4-mapped IPv6 as IPv4; undefined if it is none. */
function addressOf(raw: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!raw || !ipaddr.isValid(raw)) return undefined;
  const parsed = ipaddr.parse(raw);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
    ? (parsed as ipaddr.IPv6).toIPv4Address()
    : parsed;
}

/** Is `raw` inside one of `networks` (CIDRs or single addresses)? */
function inNetworks(raw: string | undefined, networks: string[]): boolean {
  const address = addressOf(raw);
  if (!address) return false;
  return networks.some((network) => {
    const [range, bits] = network.includes('/')
      ? ipaddr.parseCIDR(network)
      : [ipaddr.parse(network), ipaddr.parse(network).kind() === 'ipv4' ? 32 : 128];
    return range.kind() === address.kind() && address.match(range, bits);
  });
}

/**
 * Who may use the codec: the token's holder, from any address (loopback too: a reverse proxy on
 * this host makes every caller look local); a caller on a network GENIE_CODEC_ALLOW_NETWORKS opens
 * on purpose; or, in the dev stack with no token configured, a caller on this machine.
 */
function authorize(options: CodecServerOptions): RequestHandler {
  return (req: Request, _res, next) => {
    if (inNetworks(req.ip, options.allowNetworks ?? [])) return next();
    if (options.token) {
      if (!bearerTokenMatches(req.get('authorization'), options.token)) {
        throw new UnauthorizedError('The codec server needs Authorization: Bearer $GENIE_CODEC_TOKEN.');
      }
    } else if (!options.allowLoopback) {
      throw new ApiError(403, 'forbidden', 'The codec server is off: set GENIE_CODEC_TOKEN to turn it on.');
    } else if (![req.socket.remoteAddress, req.ip].every((a) => addressOf(a)?.range() === 'loopback')) {
      throw new ApiError(403, 'forbidden', 'Without GENIE_CODEC_TOKEN the codec server answers this machine only.');
    }
    next();
  };
}

/** CORS for the Temporal UI's pages (they call the codec from the browser, with credentials). */
function cors(origins: string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && origins.includes(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'authorization, content-type, x-namespace',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/** `/codec/decode` and `/codec/encode`. */
export function codecRouter(options: CodecServerOptions): Router {
  const router = Router();
  const json = express.json({ limit: CODEC_BODY_LIMIT, verify: verifyJsonDepth });
  const handle =
    (direction: 'decode' | 'encode'): RequestHandler =>
    async (req, res) => {
      const parsed = CodecBody.safeParse(req.body);
      if (!parsed.success) {
        throw new ValidationError(
          'Expected {"payloads": [{"metadata": {…base64}, "data": base64}]}',
          parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }))
        );
      }
      const payloads = parsed.data.payloads.map(fromWire);
      try {
        const done = await options.codec[direction](payloads);
        res.json({ payloads: done.map(toWire) });
      } catch (err) {
        if (err instanceof PayloadDecodeError) throw new ValidationError(err.message);
        throw err;
      }
    };
  router.use('/codec', cors(options.corsOrigins));
  router.use('/codec', authorize(options), json);
  route(router, '/codec/decode', { post: handle('decode') });
  route(router, '/codec/encode', { post: handle('encode') });
  return router;
}
