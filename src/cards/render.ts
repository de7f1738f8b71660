/**
 * Findings → CDS Hooks cards, with the texts of cards/<language>.json. Each card
 * shows its evidence (value, unit, date, source) and the rule and guideline
 * sentence it follows.
 */
import { randomUUID } from 'node:crypto';
import { dxaServiceRequest, labServiceRequest, type LabCodeSystem } from '../fhir/orderables';
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
import type { Profile } from '../guideline/profiles';
import { SEEDS, SOURCE_LINK_COUNTRY, SOURCE_LINKS, type Citation } from '../guideline/seeds';
import type { Card, Coding, Suggestion } from './card';
import { escapeMarkdown, fill, formatDate, formatNumber, formatTScore, formatUnit } from './format';
import { codeTextsFor, textsFor, type CardTexts, type Language } from './texts';

export interface RenderOptions {
  language: Language;
  patientId: string;
  /** The site's profile: national links and rules only in their own country (default `no`). */
  profile?: Profile;
  /** The profile's laboratory code system for suggested lab orders (next to LOINC). */
  labCodeSystem?: LabCodeSystem;
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
    sourceLines(finding, citations, texts),
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
  const suggestions = (finding.suggestions ?? []).map((spec) =>
    renderSuggestion(spec, finding, options, newId),
  );
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = 'any';
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
    const label = site ? `${itemLabel} (${site})` : itemLabel;
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
function sourceLines(finding: Finding, citations: readonly Citation[], texts: CardTexts): string {
  const rule = fill(texts.guideline.rule, { rule: finding.rule }, 'en');
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
): Suggestion {
  const texts = textsFor(options.language);
  const template = texts.suggestions[spec.kind];
  if (!template) throw new Error(`no suggestion text ${spec.kind} in ${options.language}`);
  if (spec.kind === 'remove-draft') {
    const display = finding.evidence.find(
      (row) => row.item === 'draftOrder' && row.source === spec.draft,
    )?.value;
    const label = fill(
      template,
      { order: String(display ?? spec.draft) },
      options.language,
      'plain',
    );
    return {
      label,
      uuid: newId(),
      isRecommended: true,
      actions: [{ type: 'delete', description: label, resourceId: spec.draft }],
    };
  }
  const reason = codeTextsFor(options.language, finding.code).title;
  if (spec.kind === 'order-dxa') {
    const label = fill(template, {}, options.language, 'plain');
    return {
      label,
      uuid: newId(),
      actions: [
        {
          type: 'create',
          description: label,
          resource: dxaServiceRequest(options.patientId, reason),
        },
      ],
    };
  }
  const names = spec.labs.map((lab) => texts.labs[lab] ?? lab).join(', ');
  const label = fill(template, { labs: names }, options.language, 'plain');
  return {
    label,
    uuid: newId(),
    actions: spec.labs.map((lab) => ({
      type: 'create' as const,
      description: fill(template, { labs: texts.labs[lab] ?? lab }, options.language, 'plain'),
      resource: labServiceRequest(lab, options.patientId, reason, options.labCodeSystem),
    })),
  };
}

function overrideReasons(code: RecommendationCode, texts: CardTexts): Coding[] {
  return OVERRIDE_REASONS[CARD_KINDS[code]].map((reason) => ({
    system: OVERRIDE_REASON_SYSTEM,
    code: reason,
    display: texts.overrideReasons[reason],
  }));
}
