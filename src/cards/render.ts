/**
 * Findings → CDS Hooks cards, with the texts of cards/<language>.json. Each card
 * shows its evidence (value, unit, date, source) and the rule and guideline
 * sentence it follows.
 */
import { randomUUID } from 'node:crypto';
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import {
  dxaServiceRequest,
  labPackageServiceRequest,
  labServiceRequest,
  letterCommunication,
  referralServiceRequest,
  type Due,
  type LabCodeSystem,
  type LabPackageCode,
  type OrderableLabKey,
} from '../fhir/orderables';
import { medicationRequest, type SupplementAmounts } from '../fhir/regimens';
import { SYSTEM } from '../fhir/systems';
import {
  CARD_KINDS,
  OVERRIDE_REASONS,
  OVERRIDE_REASON_SYSTEM,
  RECOMMENDATION_SYSTEM,
  RULE_LINKS,
  RULES,
  type RecommendationCode,
} from '../guideline/catalogue';
import type { Evidence, Finding, SuggestionSpec } from '../guideline/finding';
import { PROFILE_SETTINGS, type Profile } from '../guideline/profiles';
import { SEEDS, SOURCE_LINK_COUNTRY, SOURCE_LINKS, type Citation } from '../guideline/seeds';
import type { Action, Card, Coding, Suggestion } from './card';
import { escapeMarkdown, fill, formatDate, formatNumber, formatTScore, formatUnit } from './format';
import { LANGUAGES, codeTextsFor, textsFor, type CardTexts, type Language } from './texts';

export interface RenderOptions {
  language: Language;
  patientId: string;
  /** The site's profile: national links and rules only in their own country (default `no`). */
  profile?: Profile;
  /** The profile's laboratory code system for suggested lab orders (next to LOINC). */
  labCodeSystem?: LabCodeSystem;
  /** The site's code for its lab package: labs are then ordered as one package order. */
  labPackage?: LabPackageCode;
  /** The request's resources by reference (`MedicationRequest/x`), for suggestions that update one. */
  resourceOf?: (reference: string) => FhirResource | undefined;
  /** Injected in tests for stable output. */
  newId?: () => string;
}

const MAX_SUMMARY = 139;

export function renderCards(findings: readonly Finding[], options: RenderOptions): Card[] {
  return findings.map((finding) => renderCard(finding, options));
}

export function renderCard(finding: Finding, options: RenderOptions): Card {
  const { language } = options;
  const newId = options.newId ?? randomUUID;
  const texts = textsFor(language);
  const codeTexts = codeTextsFor(language, finding.code);
  const citations: readonly Citation[] = RULES[finding.rule].citations;
  const firstSeed = citations.find((citation) => citation.seed)?.seed ?? '000';

  const params = withTerms(finding, texts);
  const reasons = finding.reasons.map((reason) => {
    const sentence = codeTexts.reasons[reason];
    if (!sentence) throw new Error(`no reason text ${finding.code}.${reason} in ${language}`);
    return `- ${fill(sentence, params, language)}`;
  });
  const detail = [
    fill(codeTexts.detail, params, language),
    reasons.join('\n'),
    evidenceTable(finding.evidence, texts, language, new Set(finding.reasons)),
    sourceLines(finding.rule, language),
  ]
    .filter((part) => part.length > 0)
    .join('\n\n');

  const card: Card = {
    uuid: newId(),
    summary: truncate(fill(summaryTemplate(finding, codeTexts.summary), params, language, 'plain')),
    detail,
    indicator: finding.indicator,
    source: {
      label: texts.sourceLabel,
      url: SEEDS[firstSeed].url,
      topic: topicOf(finding.code, language),
    },
  };
  const suggestions = (finding.suggestions ?? []).flatMap(
    (spec) => renderSuggestion(spec, finding, options, newId) ?? [],
  );
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = finding.alternatives && suggestions.length > 1 ? 'at-most-one' : 'any';
  }
  // Every card asks for something, so every card can be overridden with a reason of its kind.
  card.overrideReasons = overrideReasons(finding.code, texts);
  const profile = options.profile ?? 'no';
  const links = (RULE_LINKS[finding.rule] ?? [])
    .filter(
      (id) => SOURCE_LINK_COUNTRY[id] === 'international' || SOURCE_LINK_COUNTRY[id] === profile,
    )
    .map((id) => ({
      label: texts.links?.[id] ?? SOURCE_LINKS[id],
      url: SOURCE_LINKS[id],
      type: 'absolute' as const,
    }));
  if (links.length > 0) card.links = links;
  return card;
}

/** The finding's params plus its term lists, translated and joined ("albumin, TSH"). */
function withTerms(finding: Finding, texts: CardTexts): Finding['params'] {
  const params = { ...finding.params };
  for (const [name, { dictionary, keys }] of Object.entries(finding.terms ?? {})) {
    params[name] = keys.map((key) => texts[dictionary][key] ?? key).join(', ');
  }
  return params;
}

export function topicOf(code: RecommendationCode, language: Language): Coding {
  return { system: RECOMMENDATION_SYSTEM, code, display: codeTextsFor(language, code).title };
}

/** The order-time summary for a card about a draft, else the first reason that has one, else the default. */
function pickSummary(finding: Finding, summaries: Record<string, string>): string {
  const keys = [...(finding.drafts ? ['order'] : []), ...finding.reasons, 'default'];
  for (const key of keys) {
    const summary = summaries[key];
    if (summary) return summary;
  }
  throw new Error(`no summary for ${finding.code} (reasons ${finding.reasons.join(', ')})`);
}

/** The picked summary with the finding's summary ending (e.g. "… – first: correct calcium"). */
function summaryTemplate(finding: Finding, summaries: Record<string, string>): string {
  const base = pickSummary(finding, summaries);
  if (!finding.summarySuffix) return base;
  const suffix = summaries[finding.summarySuffix];
  if (!suffix) throw new Error(`no summary ending ${finding.code}.${finding.summarySuffix}`);
  return `${base}${suffix}`;
}

function truncate(summary: string): string {
  return summary.length <= MAX_SUMMARY ? summary : `${summary.slice(0, MAX_SUMMARY - 1)}…`;
}

/**
 * The data table. A note the card already states as a reason (same key, e.g.
 * `mechanism-assumed`) is not repeated in the table.
 */
function evidenceTable(
  evidence: readonly Evidence[],
  texts: CardTexts,
  language: Language,
  reasons: ReadonlySet<string>,
): string {
  if (evidence.length === 0) return '';
  const { columns } = texts.evidence;
  const rows = evidence.map((row) => {
    const itemLabel = texts.evidence.items[row.item] ?? row.item;
    // A site is a bone / fracture site, or (intolerance rows) the drug the record is about.
    const site = row.site
      ? (texts.sites[row.site] ?? texts.drugs[row.site] ?? row.site)
      : undefined;
    // "T-score, rygg (L1–L4)": a comma, so a site with its own brackets does not nest them.
    const label = site ? `${itemLabel}, ${site}` : itemLabel;
    const notes = (row.notes ?? [])
      .filter((note) => !reasons.has(note))
      .map((note) => texts.evidence.notes[note] ?? note);
    const shown =
      typeof row.value === 'string' && (row.item === 'drug' || row.item === 'dose')
        ? (texts.drugs[row.value] ?? row.value)
        : row.value;
    const number = (value: number) =>
      row.item === 'tScore' ? formatTScore(value, language) : formatNumber(value, language);
    const value =
      shown === undefined
        ? texts.evidence.missing
        : `${row.comparator ?? ''}${typeof shown === 'number' ? number(shown) : escapeMarkdown(shown)} ${formatUnit(row.unit, language)}`.trim();
    const valueCell = notes.length > 0 ? `${value} (${notes.join('; ')})` : value;
    // The record the value came from stays in the finding; a FHIR id means nothing to the reader.
    return `| ${label} | ${valueCell} | ${row.date ? formatDate(row.date, language) : '–'} |`;
  });
  // No heading above the table: its columns say what it is, and the side panel is narrow.
  return [
    `| ${columns.item} | ${columns.value} | ${columns.date} |`,
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * One source line per guideline document the rule follows, with its link (the
 * document's short card title); the rule is named once, after the last line. The
 * quoted sentences live in the catalogue (docs/rule-mapping.md), not on the card.
 */
function sourceLines(rule: Finding['rule'], language: Language): string {
  // A rule's source lines in a language never change: written once, then reused.
  const key = `${language}:${rule}`;
  let lines = sourceLinesCache.get(key);
  if (lines === undefined) {
    lines = writeSourceLines(rule, RULES[rule].citations, textsFor(language));
    sourceLinesCache.set(key, lines);
  }
  return lines;
}

const sourceLinesCache = new Map<string, string>();

function writeSourceLines(
  ruleId: Finding['rule'],
  citations: readonly Citation[],
  texts: CardTexts,
): string {
  const rule = fill(texts.guideline.rule, { rule: ruleId }, 'en');
  const seeds = [
    ...new Set(citations.flatMap((citation) => (citation.seed ? [citation.seed] : []))),
  ];
  if (seeds.length === 0) return `${texts.guideline.source}: ${texts.guideline.decision} (${rule})`;
  return seeds
    .map((id, index) => {
      const seed = SEEDS[id];
      const via = seed.cardVia ?? seed.via;
      const document = via
        ? `${seed.cardTitle} – [${via}](${seed.url})`
        : `[${seed.cardTitle}](${seed.url})`;
      const ruleNote = index === seeds.length - 1 ? ` (${rule})` : '';
      return `${texts.guideline.source}: ${document}${ruleNote}`;
    })
    .join('  \n');
}

function renderSuggestion(
  spec: SuggestionSpec,
  finding: Finding,
  options: RenderOptions,
  newId: () => string,
): Suggestion | undefined {
  const { language, patientId } = options;
  const texts = textsFor(language);
  const label = (key: string, params: Record<string, string | number> = {}) => {
    const template = texts.suggestions[key];
    if (!template) throw new Error(`no suggestion text ${key} in ${language}`);
    return fill(template, params, language, 'plain');
  };
  const suggestion = (text: string, actions: Action[], recommended?: boolean): Suggestion => ({
    label: text,
    uuid: newId(),
    ...(recommended ? { isRecommended: true } : {}),
    actions,
  });
  const reason = codeTextsFor(language, finding.code).title;
  switch (spec.kind) {
    case 'remove-draft': {
      const display = finding.evidence.find(
        (row) => row.item === 'draftOrder' && row.source === spec.draft,
      )?.value;
      const text = label('remove-draft', { order: String(display ?? spec.draft) });
      return suggestion(
        text,
        [{ type: 'delete', description: text, resourceId: spec.draft }],
        true,
      );
    }
    case 'order-dxa': {
      const text = spec.due
        ? label('order-dxa-due', { dueDate: spec.due.start })
        : label('order-dxa');
      return suggestion(
        text,
        [
          {
            type: 'create',
            description: text,
            resource: dxaServiceRequest(patientId, reason, spec.due),
          },
        ],
        spec.recommended,
      );
    }
    case 'order-labs': {
      const labs = labNames(spec.labs, texts);
      const text = spec.due
        ? label('order-labs-due', { labs, dueDate: spec.due.start })
        : label('order-labs', { labs });
      return suggestion(text, labActions(spec.labs, options, reason, spec.due), spec.recommended);
    }
    case 'start-medication': {
      const orders = spec.medications.map((medication) => {
        const order = texts.orders[medication.regimen];
        const amounts = amountParams(medication);
        return {
          label: fill(order.label, amounts, language, 'plain'),
          resource: medicationRequest(
            medication.regimen,
            patientId,
            {
              name: fill(order.name, amounts, language, 'plain'),
              dosage: fill(order.dosage, amounts, language, 'plain'),
            },
            reason,
            medication.amounts,
            medication.startDate,
          ),
        };
      });
      const actions: Action[] = orders.map((order) => ({
        type: 'create',
        description: order.label,
        resource: order.resource,
      }));
      if (spec.monitoring) {
        const description = label('monitoring', {
          labs: labNames(spec.monitoring.labs, texts),
          dueDate: spec.monitoring.due.start,
        });
        actions.push(
          ...labActions(spec.monitoring.labs, options, reason, spec.monitoring.due).map(
            (action) => {
              const labelled = { ...action };
              labelled.description = description;
              return labelled;
            },
          ),
        );
      }
      // Labels are written to be joined ("… + kalsium 500 mg …"); the joined label starts a sentence.
      const joined = orders.map((order) => order.label).join(' + ');
      return suggestion(
        joined.charAt(0).toLocaleUpperCase(language) + joined.slice(1),
        actions,
        spec.recommended,
      );
    }
    case 'change-draft-dose': {
      const draft = options.resourceOf?.(spec.draft);
      if (draft?.resourceType !== 'MedicationRequest') return undefined;
      const text = label('change-draft-dose', amountParams(spec));
      const route = draft.dosageInstruction?.[0]?.route;
      const changed: MedicationRequest = {
        ...draft,
        dosageInstruction: [
          {
            text,
            timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
            ...(route ? { route } : {}),
            doseAndRate: [
              {
                doseQuantity: {
                  value: spec.amounts.calciumMg ?? 0,
                  unit: 'mg',
                  system: SYSTEM.ucum,
                  code: 'mg',
                },
              },
            ],
          },
        ],
      };
      return suggestion(text, [{ type: 'update', description: text, resource: changed }], true);
    }
    case 'hold-medication': {
      const order = options.resourceOf?.(spec.order);
      // Only a record that is active now is put on hold (both resources have the status on-hold).
      if (
        (order?.resourceType !== 'MedicationRequest' &&
          order?.resourceType !== 'MedicationStatement') ||
        order.status !== 'active'
      )
        return undefined;
      const text = label('hold-medication', { drug: texts.drugs[spec.drug] ?? spec.drug });
      return suggestion(text, [
        { type: 'update', description: text, resource: { ...order, status: 'on-hold' } },
      ]);
    }
    case 'refer': {
      const service = texts.services[spec.to];
      const text = label('refer', { service });
      return suggestion(
        text,
        [
          {
            type: 'create',
            description: text,
            resource: referralServiceRequest(spec.to, patientId, service, reason, spec.due),
          },
        ],
        spec.recommended,
      );
    }
    case 'letter': {
      // The letter goes out in the profile's language, whatever the card's language; a
      // pathway's letters exist in its own country's language (R24 Danish, R25 Swedish).
      const letterLanguage = [
        PROFILE_SETTINGS[options.profile ?? 'no'].language,
        ...LANGUAGES,
      ].find((candidate) => textsFor(candidate).letters?.[spec.letter] !== undefined);
      const template = letterLanguage && textsFor(letterLanguage).letters?.[spec.letter];
      if (!letterLanguage || !template) throw new Error(`no letter ${spec.letter}`);
      const text = label('letter');
      return suggestion(
        text,
        [
          {
            type: 'create',
            description: text,
            resource: letterCommunication(
              patientId,
              fill(template, finding.params, letterLanguage, 'plain'),
              letterLanguage,
              codeTextsFor(letterLanguage, finding.code).title,
            ),
          },
        ],
        spec.recommended,
      );
    }
  }
}

function labNames(labs: readonly OrderableLabKey[], texts: CardTexts): string {
  return labs.map((lab) => texts.labs[lab] ?? lab).join(', ');
}

/** One order per analyte, or one order of the site's lab package when it has one. */
function labActions(
  labs: readonly OrderableLabKey[],
  options: RenderOptions,
  reason: string,
  due: Due | undefined,
): Action[] {
  const texts = textsFor(options.language);
  if (options.labPackage && labs.length > 1) {
    return [
      {
        type: 'create',
        description: `${options.labPackage.display}: ${labNames(labs, texts)}`,
        resource: labPackageServiceRequest(
          labs,
          options.labPackage,
          options.patientId,
          reason,
          options.labCodeSystem,
          due,
        ),
      },
    ];
  }
  return labs.map((lab) => ({
    type: 'create' as const,
    description: texts.labs[lab] ?? lab,
    resource: labServiceRequest(lab, options.patientId, reason, options.labCodeSystem, due),
  }));
}

function amountParams(spec: { amounts?: SupplementAmounts }): Record<string, number> {
  return {
    ...(spec.amounts?.calciumMg !== undefined ? { calciumMg: spec.amounts.calciumMg } : {}),
    ...(spec.amounts?.vitaminDIU !== undefined ? { vitaminDIU: spec.amounts.vitaminDIU } : {}),
  };
}

function overrideReasons(code: RecommendationCode, texts: CardTexts): Coding[] {
  return OVERRIDE_REASONS[CARD_KINDS[code]].map((reason) => ({
    system: OVERRIDE_REASON_SYSTEM,
    code: reason,
    display: texts.overrideReasons[reason],
  }));
}
