/**
 * CDS Hooks 2.0 feedback body (../shared/cds-hooks.md "Feedback"), validated and
 * reduced to what is stored: the user's comment becomes "there was one".
 */
import { z } from 'zod';
import { RequestValidationError } from '../cds/request';
import type { FeedbackEntry } from '../store/types';

/** More items than any EHR sends for one user action; bounds one transaction. */
export const MAX_FEEDBACK_ITEMS = 100;

const coding = z.object({
  system: z.string().min(1).max(255).optional(),
  // A FHIR code: no leading, trailing or double spaces; short, so free text does not fit.
  code: z
    .string()
    .max(64)
    .regex(/^\S+( \S+)*$/, 'must be a FHIR code')
    .optional(),
  display: z.string().optional(),
});

const feedbackItem = z
  .object({
    card: z.guid('must be the uuid of a card'),
    outcome: z.enum(['accepted', 'overridden']),
    acceptedSuggestions: z
      .array(z.object({ id: z.string().min(1).max(64) }))
      .min(1)
      .max(20)
      .optional(),
    overrideReason: z
      .object({ reason: coding.optional(), userComment: z.string().optional() })
      .optional(),
    outcomeTimestamp: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
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
  });

const feedbackBody = z.object({
  feedback: z.array(feedbackItem).min(1).max(MAX_FEEDBACK_ITEMS),
});

/** A feedback item as posted; whether its card is proven issued is decided by the caller. */
export type ParsedFeedback = Omit<FeedbackEntry, 'issueProven'>;

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
      ...(reason?.code || reason?.system
        ? {
            overrideReason: {
              ...(reason.system ? { system: reason.system } : {}),
              ...(reason.code ? { code: reason.code } : {}),
            },
          }
        : {}),
      hasUserComment: comment !== undefined && comment.trim() !== '',
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
