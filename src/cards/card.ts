/** CDS Hooks 2.0 card shapes (../shared/cds-hooks.md "Response"); checked against openapi/ in tests. */
import type { FhirResource } from 'fhir/r4';
import type { Indicator } from '../guideline/catalogue';

export interface Coding {
  system: string;
  code: string;
  display: string;
}

export interface Action {
  type: 'create' | 'update' | 'delete';
  description: string;
  resource?: FhirResource;
  resourceId?: string;
}

export interface Suggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions: Action[];
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
}

export interface Card {
  uuid: string;
  summary: string;
  detail: string;
  indicator: Indicator;
  source: { label: string; url: string; topic: Coding };
  suggestions?: Suggestion[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: Coding[];
  links?: Link[];
}
