import { CONDITION_CODES, LAB_CODES, MEDICATION_CODES } from '../../src/fhir/code-lists';
import { compileClassifier, compileCodeSet, tokenList } from '../../src/fhir/codes';
import { SYSTEM } from '../../src/fhir/systems';

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
