import { defaultPayloadConverter } from '@temporalio/common';
import { parseKeys, generateKeySpec } from '../../security/encryption-keys';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  PayloadDecodeError,
  UnencryptedPayloadError,
} from '../../security/payload-codec';

/** The Temporal payload codec: what leaves the process is ciphertext under the first key. */
const oldKey = generateKeySpec('old');
const newKey = generateKeySpec('new');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('AesGcmPayloadCodec', () => {
  const marker = 'Ada Lovelace <ada@analytical.example>';
  const payload = defaultPayloadConverter.toPayload({ lead: marker, score: 99 });

  it('encrypts data and metadata, names its key, and decodes back exactly', async () => {
    const codec = new AesGcmPayloadCodec(parseKeys(oldKey));
    const [encoded] = await codec.encode([payload]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata!['encryption-key-id'])).toBe('old');
    expect(text(encoded!.data)).not.toContain('Ada');
    expect(text(encoded!.data)).not.toContain('json/plain');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ lead: marker, score: 99 });
    // A fresh IV each time: the same payload never encrypts the same way twice.
    const [again] = await codec.encode([payload]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(encoded!.data!))).toBe(false);
  });

  it('rotates: the first key encrypts, every key decrypts, a missing key is named', async () => {
    const [old] = await new AesGcmPayloadCodec(parseKeys(oldKey)).encode([payload]);
    const rotated = new AesGcmPayloadCodec(parseKeys(`${newKey},${oldKey}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual({
      lead: marker,
      score: 99,
    });
    const [fresh] = await rotated.encode([payload]);
    expect(text(fresh!.metadata!['encryption-key-id'])).toBe('new');
    await expect(new AesGcmPayloadCodec(parseKeys(oldKey)).decode([fresh!])).rejects.toThrow(
      /payload key "new" is not configured/
    );
  });

  it('refuses a tampered payload, and one that is not encrypted unless told to pass it', async () => {
    const codec = new AesGcmPayloadCodec(parseKeys(oldKey));
    const [encoded] = await codec.encode([payload]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow(PayloadDecodeError);
    await expect(codec.decode([{ ...encoded!, data: data.subarray(0, 10) }])).rejects.toThrow(/too short/);
    await expect(codec.decode([payload])).rejects.toThrow(UnencryptedPayloadError);
    await expect(codec.decode([payload])).rejects.toThrow(/not encrypted/);
    const display = new AesGcmPayloadCodec(parseKeys(oldKey), { plain: 'pass' }); // the codec server's
    expect(await display.decode([payload])).toEqual([payload]);
  });
});
