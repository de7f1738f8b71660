/** Findings → cards (cards/<language>.json): texts complete, evidence shown, guideline cited, markdown safe. */
import type { Finding } from '../../src/guideline/finding';
import { renderCard, renderCards } from '../../src/cards/render';
import { LANGUAGES, textsFor, type Language } from '../../src/cards/texts';
import {
  RECOMMENDATION_SYSTEM,
  RULES,
  type RecommendationCode,
} from '../../src/guideline/catalogue';
import type { components } from '../../src/http/generated/openapi';
import {
  condition,
  daysAgo,
  DRUGS,
  fracture,
  frax,
  icd10,
  labs,
  medicationRequest,
  monthsAgo,
  NOW,
  tScore,
} from '../helpers/fhir';
import { orderTime, patientView } from '../rules/evaluate';
import { hookCalls, loadLibrary } from '../fixtures/load';
import { buildSnapshot } from '../../src/patient/build';
import { evaluate } from '../../src/guideline/engine';
import { DEFAULT_GUIDELINE_CONFIG, snapshotSettings } from '../../src/guideline/config';
import type { Profile } from '../../src/guideline/profiles';
import { SEEDS } from '../../src/guideline/seeds';

let counter = 0;
const ids = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
const render = (finding: Finding, language: Language = 'en') =>
  renderCard(finding, { language, patientId: 'pat-1', newId: ids });

/** Findings for every code and reason the implemented rules can produce. */
function allFindings(): Finding[] {
  const day = daysAgo(10);
  const za = medicationRequest(DRUGS.zoledronicAcid, { id: 'za', text: 'Aclasta' });
  const aln = medicationRequest(DRUGS.alendronate, { id: 'aln', text: 'Alendronat' });
  const calcium = medicationRequest(DRUGS.calciumVitaminD, { id: 'ca', text: 'Calcigran Forte' });
  return [
    ...patientView([
      labs.calcium(2.0, day),
      labs.vitaminD(30, day),
      labs.tsh(0.1, day),
      labs.ft4(30, day),
      labs.egfr(30, day),
    ]),
    ...patientView([labs.calcium(2.7, day), labs.albumin(40, day), labs.pth(9, day)]),
    ...patientView([labs.calcium(2.7, day), labs.albumin(40, day), labs.pth(1, day)]),
    ...patientView([labs.calcium(2.7, day), labs.albumin(40, day), labs.pth(4, day)]),
    ...patientView([
      labs.calcium(2.7, day),
      labs.albumin(40, day),
      labs.pth(9, day, { comparator: '<' }),
    ]),
    ...patientView([condition(icd10('E21.0')), condition(icd10('E83.5'))]),
    ...orderTime(
      [labs.calcium(2.0, day), labs.albumin(41.3, day), labs.vitaminD(30, day), labs.egfr(20, day)],
      [za, aln],
    ),
    ...orderTime([labs.calcium(2.6, day), labs.albumin(41.3, day)], [aln, calcium]),
    ...orderTime([], [za]),
    ...libraryFindings(),
    ...pathwayFindings(),
  ];
}

/** Every branch of the Danish and Swedish pathways (R24, R25). */
function pathwayFindings(): Finding[] {
  const wrist = fracture('radius', monthsAgo(4));
  const dxa = (value: number) => tScore('spine', value, monthsAgo(1));
  return [
    ...[-0.5, -1.8, -2.7, -4.2].flatMap((value) =>
      patientView([wrist, dxa(value)], DEFAULT_GUIDELINE_CONFIG, 'dk'),
    ),
    ...patientView([fracture('hip', monthsAgo(4)), dxa(-1.2)], DEFAULT_GUIDELINE_CONFIG, 'dk'),
    ...[-1.8, -2.7].flatMap((value) =>
      patientView([wrist, dxa(value)], DEFAULT_GUIDELINE_CONFIG, 'se'),
    ),
    ...patientView([wrist, dxa(-2.0), frax(25, monthsAgo(1))], DEFAULT_GUIDELINE_CONFIG, 'se'),
  ];
}

/** Every hook call of the synthetic patient library (test/fixtures), through the real engine. */
function libraryFindings(): Finding[] {
  return loadLibrary(NOW).flatMap((patient) =>
    hookCalls(patient).flatMap((call) => {
      const snapshot = buildSnapshot({
        patientId: patient.patientId,
        resources: patient.resources,
        draftOrders: call.draftOrders,
        ...(call.selections ? { selections: call.selections } : {}),
        now: NOW,
        settings: snapshotSettings(DEFAULT_GUIDELINE_CONFIG),
      });
      return evaluate(
        call.hook === 'patient-view' ? 'patient-view' : 'order',
        snapshot,
        NOW,
        DEFAULT_GUIDELINE_CONFIG,
      );
    }),
  );
}

describe('card texts (cards/*.json)', () => {
  const findings = allFindings();
  const produced = new Set(findings.map((finding) => finding.code));

  test('the scenarios cover every code of the implemented rules', () => {
    const implemented = new Set(Object.values(RULES).flatMap((rule) => [...rule.codes]));
    expect([...produced].sort()).toEqual([...implemented].sort());
  });

  test.each(LANGUAGES)(
    'every produced code and reason renders in %s, with every placeholder filled',
    (language) => {
      for (const finding of findings) {
        const card = render(finding, language);
        expect(card.summary.length).toBeLessThan(140);
        expect(card.summary).not.toMatch(/\{[A-Za-z][A-Za-z0-9]*\}/);
        // The summary is plain text: no markdown escapes.
        expect(card.summary).not.toMatch(/\\[()[\]*_]/);
        expect(card.detail).not.toMatch(/\{[A-Za-z][A-Za-z0-9]*\}/);
      }
    },
  );

  test.each(LANGUAGES.filter((language) => language !== 'nb'))(
    '%s defines every text the Norwegian file has (and no other)',
    (language) => {
      const [nb, en] = [textsFor('nb'), textsFor(language)];
      expect(Object.keys(nb.codes).sort()).toEqual(Object.keys(en.codes).sort());
      for (const code of Object.keys(nb.codes) as RecommendationCode[]) {
        expect(Object.keys(nb.codes[code]?.reasons ?? {}).sort()).toEqual(
          Object.keys(en.codes[code]?.reasons ?? {}).sort(),
        );
        expect(Object.keys(nb.codes[code]?.summary ?? {}).sort()).toEqual(
          Object.keys(en.codes[code]?.summary ?? {}).sort(),
        );
      }
      expect(Object.keys(nb.evidence.items).sort()).toEqual(Object.keys(en.evidence.items).sort());
      expect(Object.keys(nb.evidence.notes).sort()).toEqual(Object.keys(en.evidence.notes).sort());
      for (const dictionary of [
        'labs',
        'drugs',
        'sites',
        'suggestions',
        'overrideReasons',
      ] as const) {
        expect(Object.keys(en[dictionary]).sort()).toEqual(Object.keys(nb[dictionary]).sort());
      }
      expect(Object.keys(en.links ?? {}).sort()).toEqual(Object.keys(nb.links ?? {}).sort());
    },
  );
});

describe('CDS Hooks 2.0 § Card attributes', () => {
  const [finding] = patientView([
    labs.calcium(2.2, daysAgo(4), { id: 'ca-1' }),
    labs.albumin(50, daysAgo(4), { id: 'alb-1' }),
  ]);

  test('source.topic carries the recommendation code in the project CodeSystem, in the card language', () => {
    if (!finding) throw new Error('expected a finding');
    expect(render(finding, 'nb').source.topic).toEqual({
      system: RECOMMENDATION_SYSTEM,
      code: 'hypocalcaemia',
      display: 'Hypokalsemi',
    });
    expect(render(finding, 'en').source.topic.display).toBe('Hypocalcaemia');
  });

  test('detail shows values with units and dates as the reader writes them, and one source line per document', () => {
    if (!finding) throw new Error('expected a finding');
    const detail = render(finding, 'en').detail;
    const day = new Date(`${daysAgo(4).slice(0, 10)}T00:00:00Z`);
    const enDate = day.toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone: 'UTC',
    });
    expect(detail).toContain(
      "| Calcium, albumin-corrected | 2.03 mmol/L (computed: Ca + 0.02 × (41.3 − albumin); judged by the guideline's limit) |",
    );
    expect(detail).toContain(`| Calcium, total | 2.2 mmol/L | ${enDate} |`);
    expect(detail).toContain('| Albumin | 50 g/L |');
    expect(detail).toContain(
      'Source: [Helse Stavanger: oppfølging av osteoporose](https://helse-stavanger.no/',
    );
    expect(detail).toContain('(rule R6)');
    // No FHIR ids, no internal file names, no guideline quotations on the card.
    expect(detail).not.toContain('Observation/');
    expect(detail).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt/);
    expect(detail).not.toContain('«');
    const nbDate = `${String(day.getUTCDate()).padStart(2, '0')}.${String(day.getUTCMonth() + 1).padStart(2, '0')}.${day.getUTCFullYear()}`;
    expect(render(finding, 'nb').detail).toContain(`| Kalsium, total | 2,2 mmol/L | ${nbDate} |`);
    expect(render(finding, 'sv').detail).toContain(`| ${daysAgo(4).slice(0, 10)} |`);
  });

  test('Norwegian cards use a decimal comma', () => {
    if (!finding) throw new Error('expected a finding');
    expect(render(finding, 'nb').summary).toContain('2,03 mmol/L');
  });

  test('a warning offers override reasons with a display; suggestions come with selectionBehavior', () => {
    const r11 = orderTime(
      [labs.egfr(20, daysAgo(3))],
      [medicationRequest(DRUGS.zoledronicAcid, { id: 'za' })],
    ).find((candidate) => candidate.code === 'contraindication-zoledronic-acid');
    if (!r11) throw new Error('expected R11');
    const card = render(r11);
    expect(card.indicator).toBe('critical');
    expect(card.overrideReasons?.every((reason) => reason.display.length > 0)).toBe(true);
    expect(card.selectionBehavior).toBe('any');
    expect(card.suggestions?.[0]?.actions).toEqual([
      {
        type: 'delete',
        description: expect.stringContaining('Remove'),
        resourceId: 'MedicationRequest/za',
      },
    ]);
  });

  test('a lab-order suggestion creates a valid R4 ServiceRequest with a LOINC code for the patient', () => {
    const [r7] = patientView([condition(icd10('E21.0'))]);
    if (!r7) throw new Error('expected R7');
    const action = render(r7).suggestions?.[0]?.actions[0];
    expect(action?.type).toBe('create');
    expect(action?.resource).toMatchObject({
      resourceType: 'ServiceRequest',
      status: 'draft',
      intent: 'proposal',
      code: {
        coding: [
          { system: 'http://loinc.org', code: '2731-8' },
          { system: 'urn:oid:2.16.578.1.12.4.1.1.7280', code: 'NPU03028' },
        ],
      },
      subject: { reference: 'Patient/pat-1' },
    });
  });

  test('in the Danish and Swedish profiles the order carries the NPU coding instead of NLK', () => {
    const [r7] = patientView([condition(icd10('E21.0'))]);
    if (!r7) throw new Error('expected R7');
    const card = renderCard(r7, {
      language: 'da',
      patientId: 'pat-1',
      labCodeSystem: 'npu',
      newId: ids,
    });
    const resource = card.suggestions?.[0]?.actions[0]?.resource as {
      code?: { coding?: { system?: string }[] };
    };
    expect(resource.code?.coding?.map((coding) => coding.system)).toEqual([
      'http://loinc.org',
      'http://npu-terminology.org',
    ]);
  });

  test('text from FHIR data cannot inject markdown', () => {
    const draft = medicationRequest(DRUGS.zoledronicAcid, {
      id: 'za',
      text: 'Aclasta](http://evil.example) | **x**',
    });
    const r11 = orderTime([labs.egfr(20, daysAgo(3))], [draft]).find(
      (candidate) => candidate.code === 'contraindication-zoledronic-acid',
    );
    if (!r11) throw new Error('expected R11');
    const card = render(r11);
    expect(card.detail).not.toContain('](http://evil.example)');
    expect(card.detail).toContain('Aclasta\\]\\(http://evil.example\\) \\| \\*\\*x\\*\\*');
  });

  test('rendered cards satisfy the OpenAPI Card schema type', () => {
    const cards: components['schemas']['Card'][] = renderCards(allFindings(), {
      language: 'nb',
      patientId: 'pat-1',
    });
    expect(cards.length).toBeGreaterThan(5);
    for (const card of cards) expect(card.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('override reasons fit the kind of card (cards-style.md)', () => {
  const findings = allFindings();
  test('the findings cover every kind of card', () => {
    expect(new Set(findings.map((finding) => finding.code)).size).toBeGreaterThan(10);
  });
  const reasonCodes = (finding: Finding, language: Language = 'en') =>
    (render(finding, language).overrideReasons ?? []).map((reason) => reason.code);
  const firstOf = (code: RecommendationCode): Finding => {
    const found = findings.find((finding) => finding.code === code);
    if (!found) throw new Error(`expected a ${code} finding`);
    return found;
  };

  test.each<[RecommendationCode, string[], string[]]>([
    // A card that recommends a drug is declined by the patient or handled elsewhere, not "outweighed".
    [
      'antiresorptive-indicated',
      ['patient-declines', 'followed-elsewhere', 'limited-life-expectancy'],
      ['benefit-outweighs-risk'],
    ],
    ['calcium-vitamin-d', ['patient-declines'], ['benefit-outweighs-risk']],
    // A safety stop is overridden when the benefit outweighs the risk or the result is outdated.
    [
      'contraindication-zoledronic-acid',
      ['benefit-outweighs-risk', 'newer-result-elsewhere'],
      ['patient-declines', 'limited-life-expectancy'],
    ],
    ['hypocalcaemia', ['benefit-outweighs-risk'], ['patient-declines']],
    // Work-up: ordered already, or a newer result exists outside the record.
    [
      'screening-labs-missing',
      ['already-handled', 'newer-result-elsewhere'],
      ['benefit-outweighs-risk'],
    ],
  ])('%s offers %j and never %j', (code, offered, never) => {
    const codes = reasonCodes(firstOf(code));
    expect(codes).toEqual(expect.arrayContaining(offered));
    for (const absent of never) expect(codes).not.toContain(absent);
  });

  test.each(LANGUAGES)('every reason has a display and the project system (%s)', (language) => {
    for (const finding of findings) {
      for (const reason of render(finding, language).overrideReasons ?? []) {
        expect(reason.system).toBe('https://fls-cds.example.org/fhir/CodeSystem/override-reason');
        expect(reason.display).toBe(textsFor(language).overrideReasons[reason.code as never]);
        expect(reason.display.length).toBeGreaterThan(0);
      }
    }
  });

  test('an info card can be overridden too (its feedback is measured like any other)', () => {
    const info = findings.find((finding) => finding.indicator === 'info');
    if (!info) throw new Error('expected an info finding');
    expect(render(info).overrideReasons?.length).toBeGreaterThan(0);
  });
});

describe('cards a clinician reads in ten seconds (cards-style.md)', () => {
  const recent = daysAgo(30);
  const screened = [
    labs.calcium(2.35, recent),
    labs.albumin(41, recent),
    labs.creatinine(70, recent),
    labs.egfr(78, recent),
    labs.vitaminD(80, recent),
    labs.tsh(1.5, recent),
    labs.ft4(15, recent),
  ];
  const indicated = (profile: Profile): Finding => {
    const found = patientView([tScore('spine', -3, recent), ...screened], undefined, profile).find(
      (finding) => finding.code === 'antiresorptive-indicated',
    );
    if (!found) throw new Error('expected R3');
    return found;
  };
  const card = (profile: Profile, language: Language) =>
    renderCard(indicated(profile), { language, profile, patientId: 'pat-1', newId: ids });

  test.each<[Language, string]>([
    ['nb', '−3,0'],
    ['da', '−3,0'],
    ['sv', '−3,0'],
    ['en', '−3.0'],
  ])(
    'a T-score has a true minus and one decimal in the summary and the table (%s)',
    (language, shown) => {
      const { summary, detail } = card('no', language);
      expect(summary).toContain(shown);
      expect(detail).toMatch(new RegExp(`\\| ${shown} \\|`));
      expect(`${summary}${detail}`).not.toMatch(/(^|[\s(])-\d/);
    },
  );

  test('the Norwegian reimbursement rule (Helfo, blue prescription) is on Norwegian cards only', () => {
    expect(card('no', 'nb').detail).toMatch(/Helfo|blå resept/);
    for (const profile of ['dk', 'se'] as const) {
      for (const language of LANGUAGES) {
        expect(card(profile, language).detail).not.toMatch(/Helfo|blå resept|blue prescription/i);
      }
    }
  });

  test('Norwegian pages are linked on Norwegian cards only', () => {
    const norwegian = /lavenergibrudd\.no|helsenorge\.no|norskrevmatologi\.no|country=42/;
    expect(JSON.stringify(card('no', 'nb').links)).toMatch(norwegian);
    expect(JSON.stringify(card('dk', 'da').links ?? [])).not.toMatch(norwegian);
    expect(JSON.stringify(card('se', 'sv').links ?? [])).not.toMatch(norwegian);
  });

  test('a link label names the site it opens', () => {
    for (const language of LANGUAGES) {
      for (const link of card('no', language).links ?? []) {
        const host = new URL(link.url).hostname.replace(/^www\./, '');
        const named =
          link.label.toLowerCase().includes(host.split('.')[0] ?? host) ||
          /FRAX/.test(link.label) ||
          /Norw|Norsk|norsk|Norge/.test(link.label);
        expect({ label: link.label, named }).toEqual({ label: link.label, named: true });
      }
    }
  });

  test('suggestion labels are plain text, without markdown escapes', () => {
    const labels: string[] = [];
    for (const finding of allFindings()) {
      for (const language of LANGUAGES) {
        for (const suggestion of render(finding, language).suggestions ?? []) {
          labels.push(suggestion.label, ...(suggestion.actions ?? []).map((a) => a.description));
        }
      }
    }
    // Lab names such as "kreatinin (eGFR)" carry the characters markdown escaping would touch.
    expect(labels.some((label) => label.includes('('))).toBe(true);
    expect(labels.filter((label) => label.includes('\\'))).toEqual([]);
  });

  test('the Danish source (PLO-Midtjylland letter) links to the region, named as such', () => {
    const lines = Object.values(SEEDS).map((seed) => seed.url);
    expect(lines.join(' ')).not.toContain('capturethefracture.org');
    expect(SEEDS['003'].via).toMatch(/Region Midtjylland/);
    expect(new URL(SEEDS['003'].url).hostname).toMatch(/rm\.dk$/);
  });
});
