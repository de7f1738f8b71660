/**
 * JSON Schema validation against the service's own OpenAPI 3.1 document
 * (openapi/cds-hooks.openapi.json), for tests that keep the document and the
 * service's validators in step. OpenAPI 3.1 schemas are JSON Schema 2020-12.
 */
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import openapiDocument from '../../openapi/cds-hooks.openapi.json';

const DOCUMENT_ID = 'https://fls-cds.example.org/openapi.json';

// OpenAPI adds keywords (example, discriminator, …) that plain JSON Schema does not know.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...openapiDocument, $id: DOCUMENT_ID });

export type SchemaCheck = (value: unknown) => string[];

/** A validator for `#/components/schemas/{name}`: returns the problems, none when valid. */
export function schemaCheck(name: string): SchemaCheck {
  const validate = ajv.getSchema(`${DOCUMENT_ID}#/components/schemas/${name}`);
  if (!validate) throw new Error(`the OpenAPI document has no schema ${name}`);
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map(describe);
  };
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || '(root)'} ${error.message ?? error.keyword}`;
}

export { openapiDocument };
