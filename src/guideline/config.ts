/**
 * Guideline thresholds and windows: defaults from ../shared/guideline/rules.md,
 * each with the seed sentence or the rules.md Decision it comes from. A site may
 * override any value with a JSON file (GUIDELINE_CONFIG_FILE); the result is
 * validated at start-up.
 */
import { z } from 'zod';
import type { Citation } from './seeds';

const positive = z.number().positive();

export const guidelineConfigSchema = z
  .object({
    calcium: z
      .object({
        lowBelow: positive,
        highAbove: positive,
        albuminReferenceGPerL: positive,
        albuminFactor: positive,
        pairingWindowDays: z.number().int().positive(),
      })
      .strict(),
    vitaminD: z.object({ lowBelow: positive, targetLow: positive, targetHigh: positive }).strict(),
    thyroid: z.object({ tshLowBelow: positive, ft4HighAbove: positive }).strict(),
    pth: z.object({ highAbove: positive, lowBelow: positive }).strict(),
    kidney: z.object({ egfrBelow: positive, calciumTabletMaxMg: positive }).strict(),
    orders: z.object({ recentLabDays: z.number().int().positive() }).strict(),
  })
  .strict()
  .refine(
    (c) => c.calcium.lowBelow < c.calcium.highAbove,
    'calcium.lowBelow must be below calcium.highAbove',
  )
  .refine((c) => c.pth.lowBelow < c.pth.highAbove, 'pth.lowBelow must be below pth.highAbove')
  .refine(
    (c) => c.vitaminD.targetLow <= c.vitaminD.targetHigh,
    'vitaminD.targetLow must not exceed targetHigh',
  );

export type GuidelineConfig = z.infer<typeof guidelineConfigSchema>;

export const DEFAULT_GUIDELINE_CONFIG: GuidelineConfig = {
  calcium: {
    lowBelow: 2.15,
    highAbove: 2.51,
    albuminReferenceGPerL: 41.3,
    albuminFactor: 0.02,
    pairingWindowDays: 7,
  },
  vitaminD: { lowBelow: 50, targetLow: 75, targetHigh: 100 },
  thyroid: { tshLowBelow: 0.4, ft4HighAbove: 22 },
  pth: { highAbove: 7.0, lowBelow: 1.5 },
  kidney: { egfrBelow: 35, calciumTabletMaxMg: 500 },
  orders: { recentLabDays: 92 },
};

const CORRECTED_CA: Citation = {
  decision:
    'rules.md Definitions, "Corrected calcium": Ca + 0.02 × (41.3 − albumin g/L) from a Ca and albumin drawn within 7 days; low < 2.15, high > 2.51 mmol/L unless the Observation\'s referenceRange / interpretation says otherwise.',
};
const THYROID_PTH: Citation = {
  decision:
    'rules.md Definitions, "Thyroid and PTH": TSH low < 0.4 mIU/L, FT4 high > 22 pmol/L, PTH high > 7.0 pmol/L, PTH low < 1.5 pmol/L when the Observation has no referenceRange / interpretation.',
};

/** Where each configuration value comes from (dotted path → citation). A test checks every leaf has one. */
export const CONFIG_SOURCES: Record<string, Citation> = {
  'calcium.lowBelow': CORRECTED_CA,
  'calcium.highAbove': CORRECTED_CA,
  'calcium.albuminReferenceGPerL': CORRECTED_CA,
  'calcium.albuminFactor': CORRECTED_CA,
  'calcium.pairingWindowDays': CORRECTED_CA,
  'vitaminD.lowBelow': {
    seed: '000',
    quote: '25 OH vit D >50 tilstrebes før oppstart antiresorptiv behandling.',
  },
  'vitaminD.targetLow': { seed: '000', quote: 'Optimalt vitamin D nivå er 75-100 nmol/L.' },
  'vitaminD.targetHigh': { seed: '000', quote: 'Optimalt vitamin D nivå er 75-100 nmol/L.' },
  'thyroid.tshLowBelow': THYROID_PTH,
  'thyroid.ft4HighAbove': THYROID_PTH,
  'pth.highAbove': THYROID_PTH,
  'pth.lowBelow': THYROID_PTH,
  'kidney.egfrBelow': { seed: '000', quote: 'Obs. Aclasta kontraindisert ved eGFR < 35 ml/min' },
  'kidney.calciumTabletMaxMg': {
    seed: '000',
    quote: 'Ved eGFR < 35 bør ikke mer enn 500 mg kalsium gis som tablett',
  },
  'orders.recentLabDays': {
    decision:
      'rules.md R11: "no eGFR / creatinine in the last 3 months: then warning, kidney function unknown" (3 months = 92 days).',
  },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Defaults overlaid with a site's overrides, validated (throws a ZodError naming the bad value). */
export function resolveGuidelineConfig(overrides: unknown = {}): GuidelineConfig {
  const merged = deepMerge(
    DEFAULT_GUIDELINE_CONFIG,
    (overrides ?? {}) as DeepPartial<GuidelineConfig>,
  );
  return guidelineConfigSchema.parse(merged);
}

function deepMerge<T>(base: T, patch: unknown): T {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    return (patch ?? base) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = typeof current === 'object' && current !== null ? deepMerge(current, value) : value;
  }
  return out as T;
}
