/**
 * Reading the service's answers in the property tests: the CDS Hooks 2.0 response
 * schema (../shared/cds-hooks.md "Response", openapi/ Card) as zod, the
 * recommendation code of a card, whether its detail states a given reason, and
 * the cards with their per-call uuids removed.
 */
import { z } from 'zod';
import en from '../../cards/en.json';

const RECOMMENDATION_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/recommendation';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const absoluteUrl = z.string().regex(/^https?:\/\/\S+$/);

const coding = z
  .object({ system: absoluteUrl, code: z.string().min(1), display: z.string().min(1) })
  .strict();

const action = z
  .object({
    type: z.enum(['create', 'update', 'delete']),
    description: z.string().min(1),
    resource: z.looseObject({ resourceType: z.string().min(1) }).optional(),
    resourceId: z
      .string()
      .regex(/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/)
      .optional(),
  })
  .strict()
  .refine((value) => (value.type === 'delete' ? value.resourceId : value.resource) !== undefined, {
    message: 'delete names resourceId; create / update carry a resource',
  });

const suggestion = z
  .object({
    label: z.string().min(1),
    uuid: z.string().regex(UUID),
    isRecommended: z.boolean().optional(),
    actions: z.array(action).min(1),
  })
  .strict();

export const cardSchema = z
  .object({
    uuid: z.string().regex(UUID),
    summary: z.string().min(1).max(139),
    detail: z.string().min(1),
    indicator: z.enum(['info', 'warning', 'critical']),
    source: z
      .object({
        label: z.string().min(1),
        url: absoluteUrl,
        topic: coding.refine((topic) => topic.system === RECOMMENDATION_SYSTEM, {
          message: 'topic is a recommendation code',
        }),
      })
      .strict(),
    suggestions: z.array(suggestion).min(1).optional(),
    selectionBehavior: z.enum(['at-most-one', 'any']).optional(),
    overrideReasons: z.array(coding).min(1).optional(),
    links: z
      .array(
        z
          .object({
            label: z.string().min(1),
            url: absoluteUrl,
            type: z.enum(['absolute', 'smart']),
          })
          .strict(),
      )
      .min(1)
      .optional(),
  })
  .strict()
  .refine((card) => card.suggestions === undefined || card.selectionBehavior !== undefined, {
    message: 'selectionBehavior is required with suggestions',
  });

export const responseSchema = z.object({ cards: z.array(cardSchema) }).strict();

export type Card = z.infer<typeof cardSchema>;

export const codeOf = (card: Card): string => card.source.topic.code;

export function cardsWithCode(cards: readonly Card[], code: string): Card[] {
  return cards.filter((card) => codeOf(card) === code);
}

/** The resources a card offers to delete (`Type/id`). */
export function deletions(card: Card): string[] {
  return (card.suggestions ?? []).flatMap((entry) =>
    entry.actions.flatMap((item) =>
      item.type === 'delete' && item.resourceId ? [item.resourceId] : [],
    ),
  );
}

type CodeTexts = { summary: Record<string, string>; reasons: Record<string, string> };
const CODES = en.codes as unknown as Record<string, CodeTexts>;

/**
 * The longest fixed part of a sentence of cards/en.json (the text between its
 * placeholders): what a card stating that reason must contain, whatever the values.
 */
export function fixedPart(code: string, kind: 'reasons' | 'summary', key: string): string {
  const template = CODES[code]?.[kind][key];
  if (!template) throw new Error(`cards/en.json has no ${kind} ${code}.${key}`);
  const parts = template.split(/\{[A-Za-z][A-Za-z0-9]*\}/);
  const longest = parts.reduce(
    (best, part) => (part.trim().length > best.trim().length ? part : best),
    '',
  );
  if (longest.trim().length < 12) throw new Error(`${code}.${key} has no distinctive fixed text`);
  return longest.trim();
}

/** The card's detail states this reason of its code (rendered in English). */
export function statesReason(card: Card, reason: string): boolean {
  return card.detail.includes(fixedPart(codeOf(card), 'reasons', reason));
}

/**
 * The cards without what differs from call to call (card and suggestion uuids),
 * for comparing two answers.
 */
export function stable(cards: readonly Card[]): unknown[] {
  return cards.map((card) => {
    const copy: Partial<Card> = { ...card };
    delete copy.uuid;
    if (card.suggestions) {
      copy.suggestions = card.suggestions.map((entry) => {
        const rest: Partial<typeof entry> = { ...entry };
        delete rest.uuid;
        return rest as typeof entry;
      });
    }
    return copy;
  });
}
