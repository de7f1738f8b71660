/**
 * Card texts per language, loaded from ../../cards/*.json and validated once at
 * start-up. A reviewer reads every card sentence in those files.
 */
import { z } from 'zod';
import da from '../../cards/da.json';
import en from '../../cards/en.json';
import nb from '../../cards/nb.json';
import sv from '../../cards/sv.json';
import { REFERRAL_TARGETS } from '../fhir/orderables';
import { REGIMEN_KEYS } from '../fhir/regimens';
import {
  OVERRIDE_REASON_CODES,
  RECOMMENDATION_CODES,
  type RecommendationCode,
} from '../guideline/catalogue';

const stringMap = z.record(z.string(), z.string().min(1));

const codeTexts = z
  .object({
    title: z.string().min(1),
    summary: stringMap.refine((map) => Object.keys(map).length > 0, 'needs at least one summary'),
    detail: z.string().min(1),
    reasons: stringMap,
  })
  .strict();

const cardTextsSchema = z
  .object({
    language: z.string().min(2),
    name: z.string().min(1),
    sourceLabel: z.string().min(1),
    evidence: z
      .object({
        columns: z.object({ item: z.string(), value: z.string(), date: z.string() }).strict(),
        missing: z.string(),
        items: stringMap,
        notes: stringMap,
      })
      .strict(),
    guideline: z
      .object({ source: z.string().min(1), rule: z.string().min(1), decision: z.string().min(1) })
      .strict(),
    labs: stringMap,
    drugs: stringMap,
    sites: stringMap,
    /** Pre-start steps another card of the response asks for (R3 / R4 summaries name them). */
    blockers: stringMap,
    /** Labels of SOURCE_LINKS (src/guideline/seeds.ts). */
    links: stringMap.optional(),
    suggestions: stringMap,
    /** The medication orders suggestions create (src/fhir/regimens.ts): label, product, dosage. */
    orders: z.record(
      z.enum(REGIMEN_KEYS),
      z
        .object({ label: z.string().min(1), name: z.string().min(1), dosage: z.string().min(1) })
        .strict(),
    ),
    /** The services referrals go to (src/fhir/orderables.ts REFERRALS). */
    services: z.record(z.enum(REFERRAL_TARGETS), z.string().min(1)),
    /** Letters to the patient, by recommendation code, in the language of the profile that sends them. */
    letters: stringMap.optional(),
    /** Every override reason, in every language (a missing one fails at start-up). */
    overrideReasons: z.record(z.enum(OVERRIDE_REASON_CODES), z.string().min(1)),
    codes: z.partialRecord(z.enum(RECOMMENDATION_CODES), codeTexts),
  })
  .strict();

export type CardTexts = z.infer<typeof cardTextsSchema>;
export type CodeTexts = z.infer<typeof codeTexts>;

export type Language = 'nb' | 'en' | 'da' | 'sv';
export const LANGUAGES: readonly Language[] = ['nb', 'en', 'da', 'sv'];

const TEXTS: Record<Language, CardTexts> = {
  nb: cardTextsSchema.parse(nb),
  en: cardTextsSchema.parse(en),
  da: cardTextsSchema.parse(da),
  sv: cardTextsSchema.parse(sv),
};

export function textsFor(language: Language): CardTexts {
  return TEXTS[language];
}

export function codeTextsFor(language: Language, code: RecommendationCode): CodeTexts {
  const texts = TEXTS[language].codes[code];
  if (!texts) throw new Error(`no card text for ${code} in ${language}`);
  return texts;
}

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}
