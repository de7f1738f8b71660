import { createHmac, randomBytes } from 'node:crypto';
import { CardIdSigner } from '../../src/feedback/card-ids';

const KEY = Buffer.from('a fixed test key of thirty-two b', 'utf8');
const signer = new CardIdSigner(KEY);
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('signed card uuids', () => {
  test('are RFC 9562 version 8 uuids, different every time', () => {
    const ids = Array.from({ length: 200 }, () => signer.cardId('fls-patient-view'));
    for (const id of ids) expect(id).toMatch(UUID_V8);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('prove the service that issued them, in any letter case', () => {
    const id = signer.cardId('fls-patient-view');
    expect(signer.isCardOf('fls-patient-view', id)).toBe(true);
    expect(signer.isCardOf('fls-patient-view', id.toUpperCase())).toBe(true);
    expect(signer.isCardOf('fls-order-sign', id)).toBe(false);
  });

  test('are refused under another key, and when any hex digit changes', () => {
    const id = signer.cardId('fls-patient-view');
    expect(new CardIdSigner(randomBytes(32)).isCardOf('fls-patient-view', id)).toBe(false);
    for (let position = 0; position < id.length; position += 1) {
      const digit = id[position] as string;
      if (digit === '-' || position === 14 || position === 19) continue;
      const changed = `${id.slice(0, position)}${digit === '0' ? '1' : '0'}${id.slice(position + 1)}`;
      expect(signer.isCardOf('fls-patient-view', changed)).toBe(false);
    }
  });

  test('a random (version 4) uuid or other text is no signed card', () => {
    expect(signer.isCardOf('fls-patient-view', '0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(false);
    expect(signer.isCardOf('fls-patient-view', 'not a uuid')).toBe(false);
  });

  test('a key shorter than 16 bytes is refused', () => {
    expect(() => new CardIdSigner(randomBytes(8))).toThrow(/at least 16 bytes/);
  });
});

describe('signed suggestion uuids', () => {
  test('prove the card they belong to, and only that card', () => {
    const card = signer.cardId('fls-patient-view');
    const other = signer.cardId('fls-patient-view');
    const suggestion = signer.suggestionId(card);
    expect(suggestion).toMatch(UUID_V8);
    expect(signer.isSuggestionOf(card, suggestion)).toBe(true);
    expect(signer.isSuggestionOf(card.toUpperCase(), suggestion.toUpperCase())).toBe(true);
    expect(signer.isSuggestionOf(other, suggestion)).toBe(false);
  });

  test('a card uuid is no suggestion uuid and the other way round', () => {
    const card = signer.cardId('fls-patient-view');
    const suggestion = signer.suggestionId(card);
    expect(signer.isCardOf('fls-patient-view', suggestion)).toBe(false);
    expect(signer.isSuggestionOf(card, card)).toBe(false);
  });
});

describe('the tag is HMAC-SHA256 (RFC 2104), as createHmac computes it', () => {
  /** The id's tag bytes as createHmac gives them for these random bytes. */
  const hmacTag = (key: Buffer, message: string, random: Buffer) => {
    const tag = createHmac('sha256', key).update(message).update(random).digest().subarray(0, 8);
    tag[0] = ((tag[0] as number) & 0x3f) | 0x80;
    return tag.toString('hex');
  };

  test.each([
    ['a 16-byte key', randomBytes(16)],
    ['a 32-byte key', KEY],
    ['a 64-byte key (one SHA-256 block)', randomBytes(64)],
    ['a 100-byte key (hashed first)', randomBytes(100)],
  ])('%s', (_name, key) => {
    const keyed = new CardIdSigner(key);
    for (let i = 0; i < 50; i++) {
      const card = keyed.cardId('fls-patient-view');
      const bytes = Buffer.from(card.replace(/-/g, ''), 'hex');
      const random = bytes.subarray(0, 8);
      expect(bytes.subarray(8).toString('hex')).toBe(
        hmacTag(key, 'card\0fls-patient-view\0', random),
      );
      const suggestion = keyed.suggestionId(card.toUpperCase());
      const sBytes = Buffer.from(suggestion.replace(/-/g, ''), 'hex');
      expect(sBytes.subarray(8).toString('hex')).toBe(
        hmacTag(key, `suggestion\0${card}\0`, sBytes.subarray(0, 8)),
      );
    }
  });
});
