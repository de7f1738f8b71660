/**
 * Signed card and suggestion uuids: the feedback endpoint can tell a card this
 * service issued from any other uuid without a database lookup, so the answer to
 * a hook call need not wait for the issued-card record to be written.
 *
 * A signed id is a UUID version 8 (RFC 9562, "custom"): 8 random bytes, then the
 * first 8 bytes of an HMAC-SHA256 over what the id vouches for; the version and
 * variant bits overwrite 4 random bits and 2 tag bits (62 tag bits remain).
 *   card:       HMAC(key, "card" ‖ service id ‖ random bytes)
 *   suggestion: HMAC(key, "suggestion" ‖ card uuid ‖ random bytes)
 * So a card id proves which service issued it, and a suggestion id proves which
 * card it belongs to — both checkable from the feedback alone. The key is shared
 * by every replica and survives restarts (QualityStore.signingKey).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of the key generated when the store has none. */
export const SIGNING_KEY_BYTES = 32;
/** Below this a key is refused: a short secret would make tags guessable. */
const MIN_KEY_BYTES = 16;
const RANDOM_BYTES = 8;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Purpose = 'card' | 'suggestion';

/**
 * Random bytes drawn in blocks, as crypto.randomUUID does: one randomBytes call
 * per 512 ids instead of one per id (a call costs more than the bytes).
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function copyRandom(target: Buffer): void {
  if (poolOffset + RANDOM_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  pool.copy(target, 0, poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
}

export class CardIdSigner {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length < MIN_KEY_BYTES) {
      throw new Error(`a card id signing key needs at least ${MIN_KEY_BYTES} bytes`);
    }
    this.key = Buffer.from(key);
  }

  /** A new card uuid that proves `serviceId` issued it. */
  cardId(serviceId: string): string {
    return this.sign('card', serviceId);
  }

  /** A new suggestion uuid that proves it belongs to card `cardUuid`. */
  suggestionId(cardUuid: string): string {
    return this.sign('suggestion', cardUuid.toLowerCase());
  }

  /** True when `uuid` is a card uuid this key signed for `serviceId` (any letter case). */
  isCardOf(serviceId: string, uuid: string): boolean {
    return this.verify('card', serviceId, uuid);
  }

  /** True when `uuid` is a suggestion uuid this key signed for card `cardUuid`. */
  isSuggestionOf(cardUuid: string, uuid: string): boolean {
    return this.verify('suggestion', cardUuid.toLowerCase(), uuid);
  }

  private sign(purpose: Purpose, subject: string): string {
    const bytes = Buffer.alloc(16);
    copyRandom(bytes);
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80; // version 8
    this.tag(purpose, subject, bytes.subarray(0, RANDOM_BYTES)).copy(bytes, RANDOM_BYTES);
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // variant 10xx
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  private verify(purpose: Purpose, subject: string, uuid: string): boolean {
    const text = uuid.toLowerCase();
    if (!UUID_PATTERN.test(text)) return false;
    const bytes = Buffer.from(text.replace(/-/g, ''), 'hex');
    const expected = this.tag(purpose, subject, bytes.subarray(0, RANDOM_BYTES));
    expected[0] = ((expected[0] as number) & 0x3f) | 0x80;
    return timingSafeEqual(expected, bytes.subarray(RANDOM_BYTES));
  }

  private tag(purpose: Purpose, subject: string, random: Buffer): Buffer {
    return createHmac('sha256', this.key)
      .update(`${purpose}\0${subject}\0`)
      .update(random)
      .digest()
      .subarray(0, 16 - RANDOM_BYTES);
  }
}
