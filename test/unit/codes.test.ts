import fc from 'fast-check';
import type { CodeableConcept, Coding } from 'fhir/r4';
import {
  CONDITION_CODES,
  LAB_CODES,
  MEDICATION_CODES,
  type CodeEntry,
} from '../../src/fhir/code-lists';
import { compileClassifier, compileCodeSet, tokenList } from '../../src/fhir/codes';
import { RXNORM_PRODUCTS } from '../../src/fhir/drug-products';
import { SYSTEM } from '../../src/fhir/systems';
import { namedCoveredDrug } from '../../src/patient/medications';

describe('code matching: by system and code, never by prefix or display', () => {
  const labs = compileClassifier(LAB_CODES);

  test.each([
    [SYSTEM.loinc, '2000-8', 'calciumTotal'],
    [SYSTEM.npu, 'NPU01443', 'calciumTotal'],
    [SYSTEM.npuMedcom, 'NPU01443', 'calciumTotal'],
    [SYSTEM.nlk, 'NOR15246', 'calciumCorrected'],
    [SYSTEM.loinc, '98979-8', 'egfr'],
    [SYSTEM.nlk, 'NOR25909', 'egfr'],
    [SYSTEM.npu, 'NPU10267', 'vitaminD'],
  ])('%s|%s is %s', (system, code, analyte) => {
    expect(labs.classify({ coding: [{ system, code }] })?.key).toBe(analyte);
  });

  test('the right code in the wrong system does not match', () => {
    expect(labs.classify({ coding: [{ system: SYSTEM.snomed, code: '2000-8' }] })).toBeUndefined();
    expect(labs.classify({ coding: [{ code: '2000-8' }] })).toBeUndefined();
  });

  test('display text alone never matches', () => {
    expect(
      labs.classify({ text: 'Calcium', coding: [{ system: SYSTEM.loinc, display: 'Calcium' }] }),
    ).toBeUndefined();
  });

  test('a LOINC code is not matched by prefix', () => {
    expect(labs.classify({ coding: [{ system: SYSTEM.loinc, code: '2000' }] })).toBeUndefined();
    expect(labs.classify({ coding: [{ system: SYSTEM.loinc, code: '2000-80' }] })).toBeUndefined();
  });

  test('the first matching coding of a concept decides', () => {
    const concept = {
      coding: [
        { system: 'http://local.example/lab', code: 'CA' },
        { system: SYSTEM.loinc, code: '1751-7' },
      ],
    };
    expect(labs.classify(concept)?.key).toBe('albumin');
  });
});

describe('ICD-10 and ATC hierarchies (fixed-length codes)', () => {
  const phpt = compileCodeSet(CONDITION_CODES.primaryHyperparathyroidism);
  const osteoporoticFracture = compileCodeSet(CONDITION_CODES.osteoporoticFracture);
  const glucocorticoids = compileCodeSet(MEDICATION_CODES.glucocorticoidSystemic);

  test('WHO ICD-10 with a dot and Norwegian ICD-10 (7110) without', () => {
    expect(phpt.matches({ system: SYSTEM.icd10, code: 'E21.0' })).toBe(true);
    expect(phpt.matches({ system: SYSTEM.icd10No, code: 'E210' })).toBe(true);
    expect(phpt.matches({ system: SYSTEM.icd10, code: 'E21.1' })).toBe(false);
    expect(phpt.matches({ system: SYSTEM.icd10, code: 'E21' })).toBe(false);
  });

  test('a listed category includes its subcodes, not its siblings', () => {
    expect(osteoporoticFracture.matches({ system: SYSTEM.icd10, code: 'M80.0' })).toBe(true);
    expect(osteoporoticFracture.matches({ system: SYSTEM.icd10No, code: 'M800' })).toBe(true);
    expect(osteoporoticFracture.matches({ system: SYSTEM.icd10, code: 'M81.0' })).toBe(false);
    expect(osteoporoticFracture.matches({ system: SYSTEM.icd10, code: 'M8' })).toBe(false);
  });

  test('ATC class H02AB includes prednisolone H02AB06 but not H02AA', () => {
    expect(glucocorticoids.matches({ system: SYSTEM.atc, code: 'H02AB06' })).toBe(true);
    expect(glucocorticoids.matches({ system: SYSTEM.atc, code: 'H02AA02' })).toBe(false);
  });

  test('hierarchy applies only to ICD-10 and ATC, not to SNOMED CT', () => {
    expect(phpt.matches({ system: SYSTEM.snomed, code: '36348003' })).toBe(true);
    expect(phpt.matches({ system: SYSTEM.snomed, code: '363480031' })).toBe(false);
  });
});

describe('token lists for R4 searches', () => {
  test('NPU codes are searched under both NPU system URIs', () => {
    const tokens = tokenList(LAB_CODES.calciumTotal).split(',');
    expect(tokens).toEqual(
      expect.arrayContaining([
        'http://loinc.org|2000-8',
        'http://npu-terminology.org|NPU01443',
        'urn:oid:1.2.208.176.2.1|NPU01443',
      ]),
    );
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

describe('drug recognition: RxNorm products as data, each with its source', () => {
  const drugs = compileClassifier(MEDICATION_CODES);

  test('every product entry has a display, a status and a source', () => {
    for (const [drug, products] of Object.entries(RXNORM_PRODUCTS)) {
      for (const product of products) {
        expect({ drug, ...product }).toEqual({
          drug,
          code: expect.stringMatching(/^\d+$/),
          display: expect.stringMatching(/\S/),
          status: expect.stringMatching(/^[VMU]$/),
          source: expect.stringMatching(/.{20,}/),
        });
      }
    }
  });

  test.each([
    ['904431', 'alendronate'],
    ['993452', 'denosumab'],
    ['1046402', 'denosumabOncology'],
    ['1114085', 'zoledronicAcid'],
    ['318076', 'calcium'],
    ['46041', 'alendronate'],
  ])('RxNorm %s is %s', (code, drug) => {
    expect(drugs.classify({ coding: [{ system: SYSTEM.rxnorm, code }] })?.key).toBe(drug);
  });

  test.each([
    ['L02BG04', 'aromataseInhibitor'],
    ['L02AE02', 'androgenDeprivation'],
    ['L02BB03', 'androgenDeprivation'],
    ['L02BX02', 'androgenDeprivation'],
    ['M05BB03', 'alendronate'],
  ])('ATC %s is %s', (code, drug) => {
    expect(drugs.classify({ coding: [{ system: SYSTEM.atc, code }] })?.key).toBe(drug);
  });

  test.each([
    ['Prolia 60 mg injeksjonsvæske', 'denosumab'],
    ['Alendronat Sandoz 70 mg', 'alendronate'],
    ['Kalcium + D-vitamin', 'calcium'],
    ['zoledronsyra 5 mg', 'zoledronicAcid'],
    ['Forsteo 20 mikrog', 'teriparatide'],
    ['Paracetamol 500 mg', undefined],
    ['Metacalciumol', undefined],
  ])('the text "%s" names %s', (text, drug) => {
    expect(namedCoveredDrug([text])).toBe(drug);
  });

  test('subtrochanteric / shaft codes, jaw osteonecrosis with national extensions', () => {
    const shaft = compileCodeSet(CONDITION_CODES.femurShaftOrSubtrochanteric);
    expect(shaft.matches({ system: SYSTEM.icd10, code: 'S72.3' })).toBe(true);
    expect(shaft.matches({ system: SYSTEM.icd10No, code: 'S722' })).toBe(true);
    expect(shaft.matches({ system: SYSTEM.icd10, code: 'S72.0' })).toBe(false);
    const jaw = compileCodeSet(CONDITION_CODES.jawOsteonecrosis);
    expect(jaw.matches({ system: SYSTEM.icd10, code: 'M87.18' })).toBe(true);
    expect(jaw.matches({ system: SYSTEM.icd10, code: 'M87.0' })).toBe(false);
  });
});

describe('compileClassifier: the same answer as a plain reading of its rule', () => {
  const HIERARCHICAL = new Set<string>([SYSTEM.icd10, SYSTEM.icd10No, SYSTEM.atc]);
  const normalise = (system: string, code: string) =>
    HIERARCHICAL.has(system) ? code.replace(/\./g, '').toUpperCase() : code;
  const systemsOf = (system: string): string[] =>
    system === SYSTEM.icd10 || system === SYSTEM.icd10No
      ? [SYSTEM.icd10, SYSTEM.icd10No]
      : system === SYSTEM.npu || system === SYSTEM.npuMedcom
        ? [SYSTEM.npu, SYSTEM.npuMedcom]
        : [system];

  /**
   * The rule written out without any index: the first coding that is in a list exactly
   * decides (the first such list in declaration order); otherwise the first list in
   * declaration order that has a parent (an entry marked `descendants`, in ICD-10 or
   * ATC) of one of the codings.
   */
  function plainClassify(
    lists: Record<string, readonly CodeEntry[]>,
    concept: CodeableConcept,
  ): { key: string; coding: Coding } | undefined {
    const codings = (concept.coding ?? []).filter(
      (coding): coding is Coding & { system: string; code: string } =>
        typeof coding?.system === 'string' && typeof coding.code === 'string' && coding.code !== '',
    );
    const inList = (entry: CodeEntry, coding: { system: string; code: string }) =>
      systemsOf(entry.system).includes(coding.system) &&
      normalise(coding.system, entry.code) === normalise(coding.system, coding.code.trim());
    for (const coding of codings) {
      const key = Object.keys(lists).find((name) =>
        (lists[name] ?? []).some((entry) => inList(entry, coding)),
      );
      if (key) return { key, coding };
    }
    for (const [key, entries] of Object.entries(lists)) {
      for (const coding of codings) {
        if (!HIERARCHICAL.has(coding.system)) continue;
        const code = normalise(coding.system, coding.code.trim());
        const parent = entries.some(
          (entry) =>
            entry.descendants &&
            systemsOf(entry.system).includes(coding.system) &&
            code.startsWith(normalise(coding.system, entry.code)),
        );
        if (parent) return { key, coding };
      }
    }
    return undefined;
  }

  test.each([
    ['conditions', CONDITION_CODES],
    ['medications', MEDICATION_CODES],
    ['labs', LAB_CODES],
  ] as const)(
    '%s: generated concepts from the list’s own codes, subcodes and look-alikes',
    (_name, lists) => {
      const classifier = compileClassifier(lists as Record<string, readonly CodeEntry[]>);
      const entries = Object.values(lists).flat() as CodeEntry[];
      const systems = [...new Set(entries.flatMap((entry) => systemsOf(entry.system)))];
      const code = fc.oneof(
        fc.constantFrom(...entries.map((entry) => entry.code)),
        // A subcode, a dotted or lower-case writing, a cut-off code, padding.
        fc
          .tuple(
            fc.constantFrom(...entries.map((entry) => entry.code)),
            fc.constantFrom('', '1', '9', '.2', 'X'),
          )
          .map(([base, tail]) => base + tail),
        fc.constantFrom(...entries.map((entry) => entry.code)).map((base) => base.toLowerCase()),
        fc
          .constantFrom(...entries.map((entry) => entry.code))
          .map((base) => (base.length > 3 ? `${base.slice(0, 3)}.${base.slice(3)}` : base)),
        fc.constantFrom(...entries.map((entry) => entry.code)).map((base) => base.slice(0, -1)),
        fc.constantFrom(...entries.map((entry) => entry.code)).map((base) => ` ${base} `),
        fc.constantFrom('', 'ß', 'S72.ß', 'ſ720', 'm05ba04'),
      );
      const coding = fc.record(
        {
          system: fc.oneof(fc.constantFrom(...systems), fc.constant('urn:other')),
          code,
        },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(fc.array(coding, { maxLength: 3 }), (codings) => {
          const concept: CodeableConcept = { coding: codings };
          const got = classifier.classify(concept);
          const expected = plainClassify(lists, concept);
          expect(got && { key: got.key, coding: got.coding }).toEqual(expected);
          if (got && expected) expect(got.coding).toBe(expected.coding);
        }),
        { numRuns: 5_000 },
      );
    },
  );
});
