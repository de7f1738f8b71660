/**
 * CDS Hooks 2.0 feedback body (../shared/cds-hooks.md "Feedback"), validated and
 * reduced to what is stored: the user's comment becomes "there was one".
 */
import { z } from 'zod';
import { RequestValidationError } from '../cds/request';
import type { FeedbackEntry } from '../store/types';

/**
 * The rules below are stated in openapi/cds-hooks.openapi.json (Feedback,
 * AcceptedFeedback, OverriddenFeedback, OverrideReason); test/conformance/
 * openapi-feedback.test.ts keeps the two in step. Change both together.
 */

/** More items than any EHR sends for one user action; bounds one transaction. */
export const MAX_FEEDBACK_ITEMS = 100;
/** More suggestions than any card of this service has. */
export const MAX_ACCEPTED_SUGGESTIONS = 20;

/** The override reason the user picked: its code is what the quality indicators count. */
const coding = z.object({
  // A FHIR uri: no spaces; no control characters (PostgreSQL text cannot hold NUL; found by fuzzing).
  system: z
    .string()
    .min(1)
    .max(255)
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .regex(/^[^\s\u0000-\u001F\u007F]+$/, 'must be a URI without spaces or control characters')
    .optional(),
  // A FHIR code: no leading, trailing or double spaces, no control characters; short, so free text does not fit.
  code: z
    .string()
    .max(64)
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .regex(/^[^\s\u0000-\u001F\u007F]+( [^\s\u0000-\u001F\u007F]+)*$/, 'must be a FHIR code'),
  display: z.string().optional(),
});

const feedbackItem = z
  .object({
    card: z.guid('must be the uuid of a card'),
    outcome: z.enum(['accepted', 'overridden']),
    acceptedSuggestions: z
      .array(z.object({ id: z.guid('must be the uuid of a suggestion of the card') }))
      .min(1)
      .max(MAX_ACCEPTED_SUGGESTIONS)
      .optional(),
    overrideReason: z
      .object({ reason: coding.optional(), userComment: z.string().optional() })
      .optional(),
    outcomeTimestamp: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time' })
      // The store keeps years 0001-9999 (UTC); an offset may move a date past either end.
      .refine((value) => {
        const year = new Date(value).getUTCFullYear();
        return year >= 1 && year <= 9999;
      }, 'must be from year 0001 to 9999 in UTC'),
  })
  .superRefine((item, ctx) => {
    if (item.outcome === 'accepted' && !item.acceptedSuggestions) {
      ctx.addIssue({
        code: 'custom',
        path: ['acceptedSuggestions'],
        message: 'is required when outcome is accepted',
      });
    }
    if (item.outcome === 'overridden' && item.acceptedSuggestions) {
      ctx.addIssue({
        code: 'custom',
        path: ['acceptedSuggestions'],
        message: 'is only allowed when outcome is accepted',
      });
    }
    if (item.outcome === 'accepted' && item.overrideReason) {
      ctx.addIssue({
        code: 'custom',
        path: ['overrideReason'],
        message: 'is only allowed when outcome is overridden',
      });
    }
    // HL7 CDS Hooks IG, invariant cds-fb-3: "An overrideReason must contain a reason, a userComment, or both".
    const override = item.overrideReason;
    if (override && !override.reason && !hasText(override.userComment)) {
      ctx.addIssue({
        code: 'custom',
        path: ['overrideReason'],
        message: 'must carry a reason or a userComment (or both)',
      });
    }
  });

function hasText(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

const feedbackBody = z.object({
  feedback: z.array(feedbackItem).min(1).max(MAX_FEEDBACK_ITEMS),
});

/** A feedback item as posted; whether its card is proven issued is decided by the caller. */
export type ParsedFeedback = Omit<FeedbackEntry, 'issueProven' | 'unprovenSuggestions'>;

/** Throws RequestValidationError naming the field, e.g. `feedback[0].outcome: …`. */
export function parseFeedback(body: unknown): ParsedFeedback[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestValidationError('the request body must be a JSON object');
  }
  const parsed = feedbackBody.safeParse(body);
  if (!parsed.success) {
    throw new RequestValidationError(
      parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
        .join('; '),
    );
  }
  return parsed.data.feedback.map((item) => {
    const reason = item.overrideReason?.reason;
    const comment = item.overrideReason?.userComment;
    return {
      cardUuid: item.card.toLowerCase(),
      outcome: item.outcome,
      acceptedSuggestionIds: (item.acceptedSuggestions ?? []).map((suggestion) => suggestion.id),
      ...(reason
        ? {
            overrideReason: {
              ...(reason.system ? { system: reason.system } : {}),
              code: reason.code,
            },
          }
        : {}),
      hasUserComment: hasText(comment),
      outcomeAt: new Date(item.outcomeTimestamp),
    };
  });
}

/** ['feedback', 0, 'card'] → 'feedback[0].card' */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}
