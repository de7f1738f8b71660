/**
 * The OpenAPI document states the feedback endpoint's real constraints
 * (FeedbackRequest, AcceptedFeedback, OverriddenFeedback, OverrideReason), so a
 * client or a fuzzer that follows the document is not refused for its shape.
 * Here the document and the validator (src/feedback/request.ts) must agree on
 * every body: the document's own examples, one body per validator rule, and
 * generated bodies that combine valid and invalid parts.
 */
import fc from 'fast-check';
import {
  MAX_ACCEPTED_SUGGESTIONS,
  MAX_FEEDBACK_ITEMS,
  parseFeedback,
} from '../../src/feedback/request';
import { openapiDocument, schemaCheck } from '../helpers/openapi';

const schemaProblems = schemaCheck('FeedbackRequest');

function validatorAccepts(body: unknown): boolean {
  try {
    parseFeedback(body);
    return true;
  } catch {
    return false;
  }
}

function verdicts(body: unknown): { document: boolean; validator: boolean } {
  return { document: schemaProblems(body).length === 0, validator: validatorAccepts(body) };
}

const CARD = 'd1577c69-dfbe-44ad-0a6d-3e05e953b2ea';
const SUGGESTION = 'e56e1945-20b3-4393-8503-a1a20fd73152';
const AT = '2020-12-11T00:00:00Z';

const accepted = (extra: Record<string, unknown> = {}) => ({
  card: CARD,
  outcome: 'accepted',
  acceptedSuggestions: [{ id: SUGGESTION }],
  outcomeTimestamp: AT,
  ...extra,
});
const overridden = (extra: Record<string, unknown> = {}) => ({
  card: CARD,
  outcome: 'overridden',
  outcomeTimestamp: AT,
  ...extra,
});
const one = (item: unknown) => ({ feedback: [item] });

describe('the OpenAPI document and the feedback validator agree', () => {
  const examples = Object.entries(
    openapiDocument.paths['/cds-services/{id}/feedback'].post.requestBody.content[
      'application/json'
    ].examples,
  );

  test.each(examples)('the document example "%s" is valid for both', (_name, example) => {
    expect(schemaProblems(example.value)).toEqual([]);
    expect(validatorAccepts(example.value)).toBe(true);
  });

  const cases: [string, boolean, unknown][] = [
    ['an accepted outcome', true, one(accepted())],
    ['an override with nothing more', true, one(overridden())],
    [
      'an override with a reason',
      true,
      one(overridden({ overrideReason: { reason: { code: 'x' } } })),
    ],
    [
      'an override with a comment only',
      true,
      one(overridden({ overrideReason: { userComment: 'ok' } })),
    ],
    ['a card uuid with any version and variant digits', true, one(overridden())],
    ['a card in upper case', true, one(overridden({ card: CARD.toUpperCase() }))],
    ['members the spec does not define', true, one(overridden({ extension: { x: 1 } }))],
    [
      'an outcomeTimestamp with an offset and fractions',
      true,
      one(overridden({ outcomeTimestamp: '2020-12-11T01:00:00.5+01:00' })),
    ],
    ['a body that is an array', false, [overridden()]],
    ['no feedback', false, {}],
    ['an empty feedback array', false, { feedback: [] }],
    [
      'more items than the limit',
      false,
      { feedback: Array.from({ length: MAX_FEEDBACK_ITEMS + 1 }, () => overridden()) },
    ],
    ['a card that is not a uuid', false, one(overridden({ card: 'card-1' }))],
    ['a card with a urn:uuid: prefix', false, one(overridden({ card: `urn:uuid:${CARD}` }))],
    ['an unknown outcome', false, one(overridden({ outcome: 'ignored' }))],
    ['no outcomeTimestamp', false, one({ card: CARD, outcome: 'overridden' })],
    [
      'accepted without acceptedSuggestions (cds-fb-2)',
      false,
      one({ card: CARD, outcome: 'accepted', outcomeTimestamp: AT }),
    ],
    [
      'accepted with an empty acceptedSuggestions',
      false,
      one(accepted({ acceptedSuggestions: [] })),
    ],
    [
      'accepted with more suggestions than the limit',
      false,
      one(
        accepted({
          acceptedSuggestions: Array.from({ length: MAX_ACCEPTED_SUGGESTIONS + 1 }, () => ({
            id: SUGGESTION,
          })),
        }),
      ),
    ],
    [
      'an accepted suggestion id that is not a uuid',
      false,
      one(accepted({ acceptedSuggestions: [{ id: 'suggestion-1' }] })),
    ],
    [
      'acceptedSuggestions on an override',
      false,
      one(overridden({ acceptedSuggestions: [{ id: SUGGESTION }] })),
    ],
    [
      'an overrideReason on an accepted outcome',
      false,
      one(accepted({ overrideReason: { userComment: 'no' } })),
    ],
    ['an empty overrideReason (cds-fb-3)', false, one(overridden({ overrideReason: {} }))],
    [
      'a blank comment and no reason (cds-fb-3)',
      false,
      one(overridden({ overrideReason: { userComment: ' \t ' } })),
    ],
    [
      'a reason without a code',
      false,
      one(overridden({ overrideReason: { reason: { system: 'https://x.example.org' } } })),
    ],
    [
      'a reason code with double spaces (free text)',
      false,
      one(overridden({ overrideReason: { reason: { code: 'patient  said no' } } })),
    ],
    [
      'a reason code longer than 64',
      false,
      one(overridden({ overrideReason: { reason: { code: 'c'.repeat(65) } } })),
    ],
    [
      'an empty reason system',
      false,
      one(overridden({ overrideReason: { reason: { system: '', code: 'x' } } })),
    ],
    [
      'a reason system longer than 255',
      false,
      one(overridden({ overrideReason: { reason: { system: 's'.repeat(256), code: 'x' } } })),
    ],
    [
      'a NUL character in a reason code (the store cannot hold it)',
      false,
      one(overridden({ overrideReason: { reason: { code: 'a\u0000b' } } })),
    ],
    [
      'a control character in a reason system',
      false,
      one(overridden({ overrideReason: { reason: { system: 'urn:x\u0000', code: 'x' } } })),
    ],
    [
      'a space in a reason system',
      false,
      one(overridden({ overrideReason: { reason: { system: 'urn:a b', code: 'x' } } })),
    ],
    [
      'a comment that is not a string',
      false,
      one(overridden({ overrideReason: { reason: { code: 'x' }, userComment: 5 } })),
    ],
    [
      'an outcomeTimestamp without a zone',
      false,
      one(overridden({ outcomeTimestamp: '2020-12-11T00:00:00' })),
    ],
    [
      'an outcomeTimestamp without seconds',
      false,
      one(overridden({ outcomeTimestamp: '2020-12-11T00:00Z' })),
    ],
    [
      'an outcomeTimestamp on 30 February',
      false,
      one(overridden({ outcomeTimestamp: '2020-02-30T00:00:00Z' })),
    ],
    [
      'an outcomeTimestamp in year 0000',
      false,
      one(overridden({ outcomeTimestamp: '0000-06-01T00:00:00Z' })),
    ],
  ];

  test.each(cases)('%s: valid for both = %s', (_name, valid, body) => {
    expect(verdicts(body)).toEqual({ document: valid, validator: valid });
  });

  test('generated bodies: the document accepts exactly what the validator accepts', () => {
    /** Mostly valid values, sometimes one that breaks a rule: most bodies break one rule or none. */
    const mostly = <T>(valid: readonly T[], invalid: readonly T[]) =>
      fc.oneof(
        { arbitrary: fc.constantFrom(...valid), weight: 12 },
        { arbitrary: fc.constantFrom(...invalid), weight: 1 },
      );
    const uuid = mostly([CARD, SUGGESTION, CARD.toUpperCase()], ['card-1', '', `urn:uuid:${CARD}`]);
    const suggestions = fc.option(
      fc.array(fc.record({ id: uuid }), { minLength: 0, maxLength: 3 }),
      { nil: undefined, freq: 2 },
    );
    const coding = fc.record(
      {
        system: mostly(
          ['https://x.example.org/cs'],
          ['', 's'.repeat(256), 'urn:a b', 'urn:\u0000'],
        ),
        code: mostly(
          ['already-handled', 'd7ecf885', 'two words'],
          ['free  text', ' x', 'c'.repeat(65), '', 'nul\u0000', 'tab\tcode'],
        ),
        display: fc.constantFrom('Already handled', ''),
      },
      { requiredKeys: [] },
    );
    const overrideReason = fc.option(
      fc.record(
        { reason: coding, userComment: mostly(['A comment'], ['', '   ', '\n']) },
        { requiredKeys: [] },
      ),
      { nil: undefined, freq: 2 },
    );
    const item = fc
      .record({
        card: uuid,
        outcome: mostly(['accepted', 'overridden'], ['ignored']),
        acceptedSuggestions: suggestions,
        overrideReason,
        outcomeTimestamp: mostly(
          [AT, '2020-12-11T01:00:00.25+01:00'],
          ['2020-12-11T00:00:00', '2020-12-11 00:00:00Z', '2020-02-30T00:00:00Z', 'yesterday'],
        ),
      })
      .map((fields) =>
        Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
      );
    const body = fc.record({ feedback: fc.array(item, { minLength: 0, maxLength: 2 }) });
    let valid = 0;
    fc.assert(
      fc.property(body, (generated) => {
        const verdict = verdicts(generated);
        if (verdict.validator) valid += 1;
        expect(verdict.document).toBe(verdict.validator);
      }),
      { numRuns: 2000, seed: 15 },
    );
    // The generator reaches both sides, or the agreement would mean little.
    expect(valid).toBeGreaterThan(100);
    expect(valid).toBeLessThan(1900);
  });
});
