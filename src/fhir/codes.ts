/**
 * Code matching by system and code. Never by display text, never by a free prefix:
 * only ICD-10 and ATC entries marked `descendants` include their subcodes, because
 * both terminologies are fixed-length hierarchies (see code-lists.ts).
 */
import type { CodeableConcept, Coding } from 'fhir/r4';
import type { CodeEntry } from './code-lists';
import { EQUIVALENT_SYSTEMS, SYSTEM } from './systems';

const HIERARCHICAL_SYSTEMS = new Set<string>([SYSTEM.icd10, SYSTEM.icd10No, SYSTEM.atc]);

/** ICD-10 is written with a dot by WHO (S72.0) and without by Norway's 7110 (S720). */
function normaliseCode(system: string, code: string): string {
  if (!HIERARCHICAL_SYSTEMS.has(system)) return code;
  // Most codes arrive as written in the list (S720, M05BA04): returned as they are, no new string.
  for (let index = 0; index < code.length; index++) {
    const char = code.charCodeAt(index);
    if (char === DOT || (char >= LOWER_A && char <= LOWER_Z) || char > 127)
      return (code.includes('.') ? code.replace(/\./g, '') : code).toUpperCase();
  }
  return code;
}

const DOT = 46;
const LOWER_A = 97;
const LOWER_Z = 122;

export interface CodeSet {
  matches(coding: Coding | undefined): boolean;
  matchesConcept(concept: CodeableConcept | undefined): boolean;
  readonly entries: readonly CodeEntry[];
}

/** Compile a code list once (at start-up) into a matcher. */
export function compileCodeSet(entries: readonly CodeEntry[]): CodeSet {
  const exact = new Map<string, Set<string>>();
  const withDescendants = new Map<string, string[]>();
  for (const entry of entries) {
    for (const system of EQUIVALENT_SYSTEMS[entry.system] ?? [entry.system]) {
      const code = normaliseCode(system, entry.code);
      if (!exact.has(system)) exact.set(system, new Set());
      exact.get(system)?.add(code);
      if (entry.descendants && HIERARCHICAL_SYSTEMS.has(system)) {
        if (!withDescendants.has(system)) withDescendants.set(system, []);
        withDescendants.get(system)?.push(code);
      }
    }
  }
  const matches = (coding: Coding | undefined): boolean => {
    if (!isCoded(coding)) return false;
    const codes = exact.get(coding.system);
    const parents = withDescendants.get(coding.system);
    // A system the list does not use cannot match: no need to normalise the code.
    if (codes === undefined && parents === undefined) return false;
    const code = normaliseCode(coding.system, coding.code.trim());
    if (codes?.has(code)) return true;
    return parents !== undefined && parents.some((parent) => code.startsWith(parent));
  };
  return {
    entries,
    matches,
    matchesConcept: (concept) => {
      // As concept.coding.some(matches) over its object entries, without copying the array.
      const codings = concept?.coding;
      if (!Array.isArray(codings)) return false;
      for (const coding of codings) {
        if (typeof coding === 'object' && coding !== null && matches(coding)) return true;
      }
      return false;
    },
  };
}

/** Compile every list of a record of code lists. */
export function compileCodeSets<K extends string>(
  lists: Record<K, readonly CodeEntry[]>,
): Record<K, CodeSet> {
  const out = {} as Record<K, CodeSet>;
  for (const key of Object.keys(lists) as K[]) out[key] = compileCodeSet(lists[key]);
  return out;
}

/** `system|code,system|code` for an R4 token search (the `|` is URL-encoded by the caller). */
export function tokenList(entries: readonly CodeEntry[]): string {
  const tokens: string[] = [];
  for (const entry of entries) {
    for (const system of EQUIVALENT_SYSTEMS[entry.system] ?? [entry.system]) {
      tokens.push(`${system}|${entry.code}`);
    }
  }
  return [...new Set(tokens)].join(',');
}

export interface Classifier<K extends string> {
  /** The first list (in declaration order) that one of the concept's codings belongs to. */
  classify(concept: CodeableConcept | undefined): { key: K; coding: Coding } | undefined;
  readonly sets: Record<K, CodeSet>;
}

/** Compile several code lists into one classifier (exact codes in one map; hierarchies checked after). */
export function compileClassifier<K extends string>(
  lists: Record<K, readonly CodeEntry[]>,
): Classifier<K> {
  const sets = compileCodeSets(lists);
  const keys = Object.keys(lists) as K[];
  // system → normalised code → the first list (in declaration order) that has it.
  const exact = new Map<string, Map<string, K>>();
  for (const key of [...keys].reverse()) {
    for (const entry of lists[key]) {
      for (const system of EQUIVALENT_SYSTEMS[entry.system] ?? [entry.system]) {
        let codes = exact.get(system);
        if (!codes) exact.set(system, (codes = new Map()));
        codes.set(normaliseCode(system, entry.code), key);
      }
    }
  }
  const hierarchical = keys.filter((key) => lists[key].some((entry) => entry.descendants));
  return {
    sets,
    classify(concept) {
      const codings = concept?.coding;
      if (!Array.isArray(codings)) return undefined;
      let anyHierarchical = false;
      for (const coding of codings as (Coding | null | undefined)[]) {
        if (typeof coding !== 'object' || coding === null || !isCoded(coding)) continue;
        if (HIERARCHICAL_SYSTEMS.has(coding.system)) anyHierarchical = true;
        const codes = exact.get(coding.system);
        if (codes === undefined) continue;
        const key = codes.get(normaliseCode(coding.system, coding.code.trim()));
        if (key !== undefined) return { key, coding };
      }
      if (!anyHierarchical) return undefined;
      // No coding is in any list exactly, so only a subcode can match: the first list
      // (in declaration order) that one of the codings matches.
      for (const key of hierarchical) {
        for (const coding of codings as (Coding | null | undefined)[]) {
          if (typeof coding === 'object' && coding !== null && sets[key].matches(coding))
            return { key, coding };
        }
      }
      return undefined;
    },
  };
}

/** A coding with a string system and code (data from outside may have anything there). */
function isCoded(coding: Coding | undefined): coding is Coding & { system: string; code: string } {
  return (
    typeof coding?.system === 'string' && typeof coding.code === 'string' && coding.code.length > 0
  );
}
