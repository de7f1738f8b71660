/**
 * The quality indicators of pathway.md, summed from the rows as they come (a
 * running tally: the worklist never needs every row at once to count). Pure.
 */
import {
  INDICATOR_IDS,
  type FractureGroup,
  type IndicatorId,
  type IndicatorOutcome,
  type WorklistRow,
} from './engine';

export interface Count {
  numerator: number;
  /** met + not met: patients whose data decides it. */
  denominator: number;
  /** Patients whose data cannot decide it (missing or unreadable dates / codes). */
  undecided: number;
  /** Patients whose window has not closed yet (counted once it has). */
  pending: number;
}

export interface IndicatorResult extends Count {
  id: IndicatorId;
  /** numerator / denominator; null when there is no denominator (or for the count `identified`). */
  proportion: number | null;
  /** IOF levels: below `low` poor, `low`–`high` fair, above `high` good. */
  levels: { low: number; high?: number };
  byGroup: Record<FractureGroup, Count>;
}

/** The IOF Capture the Fracture levels (pathway.md): 50 % / 80 %, and 50 % for treatment-indicated. */
export const LEVELS: Record<IndicatorId, { low: number; high?: number }> = {
  identified: { low: 0.5, high: 0.8 },
  'risk-assessed-12w': { low: 0.5, high: 0.8 },
  'dxa-12w': { low: 0.5, high: 0.8 },
  'falls-assessed-16w': { low: 0.5, high: 0.8 },
  'treatment-indicated': { low: 0.5 },
  'treatment-started-16w': { low: 0.5, high: 0.8 },
  'on-treatment-52w': { low: 0.5, high: 0.8 },
  completeness: { low: 0.5, high: 0.8 },
};

export const INDICATOR_TITLES: Record<IndicatorId, string> = {
  identified: 'Fracture patients identified in the period',
  'risk-assessed-12w': 'Fracture risk assessed (DXA, FRAX or R4) within 12 weeks',
  'dxa-12w': 'DXA within 12 weeks',
  'falls-assessed-16w': 'Fall-risk assessment within 16 weeks',
  'treatment-indicated': 'Anti-osteoporosis medication indicated',
  'treatment-started-16w': 'Treatment started within 16 weeks (of those indicated)',
  'on-treatment-52w': 'On treatment 52 weeks after the fracture (of those indicated)',
  completeness: 'Records complete enough to decide every indicator',
};

/** dk (seed 003): the expected share of each FLS group, shown beside the measured one. */
export const DK_GROUP_SHARES: Record<string, number> = {
  'fls-group-1': 0.16,
  'fls-group-2a': 0.53,
  'fls-group-2b': 0.2,
  'fls-group-3': 0.11,
};

const empty = (): Count => ({ numerator: 0, denominator: 0, undecided: 0, pending: 0 });

export class IndicatorTally {
  private readonly counts = new Map<
    IndicatorId,
    { all: Count; byGroup: Record<FractureGroup, Count> }
  >(
    INDICATOR_IDS.map((id) => [
      id,
      { all: empty(), byGroup: { spine: empty(), 'non-spine': empty() } },
    ]),
  );
  private readonly routing = new Map<string, number>();
  private routed = 0;

  add(row: WorklistRow): void {
    if (row.step === 'secondary-referral') return;
    if (row.routing) {
      this.routing.set(row.routing, (this.routing.get(row.routing) ?? 0) + 1);
      this.routed += 1;
    }
    for (const id of INDICATOR_IDS) {
      const outcome = row.outcomes[id];
      if (!outcome) continue;
      const entry = this.counts.get(id);
      if (!entry) continue;
      count(entry.all, outcome);
      if (row.group) count(entry.byGroup[row.group], outcome);
    }
  }

  results(): IndicatorResult[] {
    return INDICATOR_IDS.map((id) => {
      const entry = this.counts.get(id) ?? {
        all: empty(),
        byGroup: { spine: empty(), 'non-spine': empty() },
      };
      return {
        id,
        ...entry.all,
        proportion:
          id === 'identified' || entry.all.denominator === 0
            ? null
            : round(entry.all.numerator / entry.all.denominator),
        levels: LEVELS[id],
        byGroup: entry.byGroup,
      };
    });
  }

  /** Measured share of each routing code (dk: FLS groups; se: visit / no visit) among routed patients. */
  routingShares(): { code: string; count: number; share: number; expected?: number }[] {
    return [...this.routing.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, n]) => ({
        code,
        count: n,
        share: round(n / this.routed),
        ...(DK_GROUP_SHARES[code] !== undefined ? { expected: DK_GROUP_SHARES[code] } : {}),
      }));
  }
}

function count(target: Count, outcome: IndicatorOutcome): void {
  switch (outcome) {
    case 'met':
      target.numerator += 1;
      target.denominator += 1;
      break;
    case 'not-met':
      target.denominator += 1;
      break;
    case 'undecided':
      target.undecided += 1;
      break;
    case 'pending':
      target.pending += 1;
      break;
    case 'not-applicable':
      break;
  }
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;
