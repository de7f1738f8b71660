/** Feedback bodies reduced to what is stored (src/feedback/request.ts). */
import { randomUUID } from 'node:crypto';
import { formatPath, parseFeedback } from '../../src/feedback/request';

describe('parseFeedback', () => {
  test('keeps the coded reason and whether there was a comment, never its text', () => {
    const card = randomUUID().toUpperCase();
    const [entry] = parseFeedback({
      feedback: [
        {
          card,
          outcome: 'overridden',
          overrideReason: {
            reason: {
              system: 'https://x.example.org/cs',
              code: 'already-handled',
              display: 'Done',
            },
            userComment: 'Patient Kari Nordmann declined',
          },
          outcomeTimestamp: '2026-11-22T11:05:00+01:00',
        },
      ],
    });
    expect(entry).toEqual({
      cardUuid: card.toLowerCase(),
      outcome: 'overridden',
      acceptedSuggestionIds: [],
      overrideReason: { system: 'https://x.example.org/cs', code: 'already-handled' },
      hasUserComment: true,
      outcomeAt: new Date('2026-11-22T10:05:00Z'),
    });
    expect(JSON.stringify(entry)).not.toContain('Kari');
  });

  test('a blank comment counts as none; accepted suggestions are kept by id', () => {
    const suggestion = randomUUID();
    const [entry] = parseFeedback({
      feedback: [
        {
          card: randomUUID(),
          outcome: 'accepted',
          acceptedSuggestions: [{ id: suggestion }],
          outcomeTimestamp: '2026-11-22T10:05:00Z',
        },
      ],
    });
    expect(entry).toMatchObject({ acceptedSuggestionIds: [suggestion], hasUserComment: false });
    const [overridden] = parseFeedback({
      feedback: [
        {
          card: randomUUID(),
          outcome: 'overridden',
          overrideReason: { reason: { code: 'already-handled' }, userComment: '   ' },
          outcomeTimestamp: '2026-11-22T10:05:00Z',
        },
      ],
    });
    expect(overridden).toMatchObject({
      hasUserComment: false,
      overrideReason: { code: 'already-handled' },
    });
  });

  test.each([
    [
      'an empty overrideReason',
      {},
      /feedback\[0\]\.overrideReason: must carry a reason or a userComment/,
    ],
    [
      'a blank comment and no reason',
      { userComment: ' \n ' },
      /feedback\[0\]\.overrideReason: must carry a reason or a userComment/,
    ],
    [
      'a reason without a code',
      { reason: { system: 'https://x.example.org/cs', display: 'Done' } },
      /feedback\[0\]\.overrideReason\.reason\.code: /,
    ],
  ])('%s is refused (HL7 CDS Hooks IG cds-fb-3), naming the field', (_name, reason, message) => {
    const body = {
      feedback: [
        {
          card: randomUUID(),
          outcome: 'overridden',
          overrideReason: reason,
          outcomeTimestamp: '2026-11-22T10:05:00Z',
        },
      ],
    };
    expect(() => parseFeedback(body)).toThrow(message);
  });

  test('an override with only a comment is kept as "there was a comment"', () => {
    const [entry] = parseFeedback({
      feedback: [
        {
          card: randomUUID(),
          outcome: 'overridden',
          overrideReason: { userComment: 'Discussed with the GP' },
          outcomeTimestamp: '2026-11-22T10:05:00Z',
        },
      ],
    });
    expect(entry).toMatchObject({ hasUserComment: true });
    expect(entry).not.toHaveProperty('overrideReason');
  });

  test('an accepted suggestion id must be a uuid', () => {
    const body = {
      feedback: [
        {
          card: randomUUID(),
          outcome: 'accepted',
          acceptedSuggestions: [{ id: randomUUID() }, { id: 'suggestion-1' }],
          outcomeTimestamp: '2026-11-22T10:05:00Z',
        },
      ],
    };
    expect(() => parseFeedback(body)).toThrow(/feedback\[0\]\.acceptedSuggestions\[1\]\.id: /);
  });

  test('more than 100 items is refused (one transaction stays small)', () => {
    const item = {
      card: randomUUID(),
      outcome: 'overridden',
      outcomeTimestamp: '2026-11-22T10:05:00Z',
    };
    expect(() => parseFeedback({ feedback: Array.from({ length: 101 }, () => item) })).toThrow(
      /feedback: /,
    );
  });

  test('paths read like the JSON they point at', () => {
    expect(formatPath(['feedback', 2, 'overrideReason', 'reason', 'code'])).toBe(
      'feedback[2].overrideReason.reason.code',
    );
    expect(formatPath([])).toBe('body');
  });
});
