import crypto from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { KeyEntry } from '../platform/key-spec';

/** The `encoding` of an encrypted payload; its key id is in `encryption-key-id`. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = new TextEncoder();
const untext = new TextDecoder();

/** A payload that cannot be decoded: its key is not configured, or it was tampered with. */
export class PayloadDecodeError extends Error {
  override name = 'PayloadDecodeError';
}

/** A payload that is not encrypted, where only encrypted ones are accepted. */
export class UnencryptedPayloadError extends PayloadDecodeError {
  override name = 'UnencryptedPayloadError';
}

export interface PayloadCodecOptions {
  /**
   * What a payload that is not encrypted gets: `refuse` (the client and every worker: nobody with
   * Temporal access but without the key can feed a workflow plain input, a signal or an update), or
   * `pass` (the codec server, which shows operators a history as it is, plain parts included).
   */
  plain: 'refuse' | 'pass';
}

/**
 * Temporal payloads encrypted with AES-256-GCM: each payload (metadata and data, serialised as the
 * protobuf `Payload`) becomes `iv | ciphertext | tag` under the first key, its key id in the
 * metadata; every configured key decrypts, so keys rotate by putting a new one first. Workflow and
 * activity inputs and results, failures' details, queries, updates and signals, and summaries all
 * pass through it; search attributes stay plain (Temporal indexes them).
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(
    private readonly keys: readonly KeyEntry[],
    private readonly options: PayloadCodecOptions = { plain: 'refuse' }
  ) {
    if (keys.length === 0) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.kid, k.key]));
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const { kid, key } = this.keys[0]!;
    return Promise.resolve(
      payloads.map((payload) => {
        const iv = crypto.randomBytes(IV_BYTES);
        const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: { [METADATA_ENCODING_KEY]: text.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text.encode(kid) },
          data: new Uint8Array(data),
        };
      })
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    // In the executor, so a payload that does not decode rejects rather than throws.
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decodeOne(payload))));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || untext.decode(encoding) !== ENCRYPTED_ENCODING) {
      if (this.options.plain === 'pass') return payload;
      throw new UnencryptedPayloadError(
        'refused a payload that is not encrypted: every payload of this service is encrypted with GENIE_PAYLOAD_KEYS, so a plain one was not sent by it (a workflow started, signalled or updated straight through Temporal?)'
      );
    }
    const kidBytes = payload.metadata?.[KEY_ID_METADATA];
    const kid = kidBytes ? untext.decode(kidBytes) : '';
    const key = this.byId.get(kid);
    if (!key) throw new PayloadDecodeError(`payload key "${kid}" is not configured (GENIE_PAYLOAD_KEYS)`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecodeError('encrypted payload is too short');
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch {
      throw new PayloadDecodeError(`payload does not decrypt with key "${kid}" (tampered, or another key)`);
    }
  }
}
