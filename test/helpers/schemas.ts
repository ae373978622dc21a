import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

/** The pinned upstream CRDs and Kubernetes schemas, beside the project (they are in CI). */
export const SHARED_DIR = resolve(__dirname, '../../../shared');
export const CRD_DIR = join(SHARED_DIR, 'crds');
export const K8S_DEFINITIONS = join(SHARED_DIR, 'schemas/kubernetes/v1.28.0/_definitions.json');
export const sharedSchemasPresent = existsSync(CRD_DIR) && existsSync(K8S_DEFINITIONS);

/**
 * Rejects unknown fields the way kubeconform's strict CRD conversion does: every object schema that
 * lists properties, and does not preserve unknown fields, gets additionalProperties: false.
 */
export function strictify(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'properties' || key === 'definitions'
      ? Object.fromEntries(Object.entries(value as object).map(([name, sub]) => [name, strictify(sub)]))
      : strictify(value);
  }
  if (out.properties && !out['x-kubernetes-preserve-unknown-fields'] && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  for (const format of ['int32', 'int64', 'double', 'float', 'byte', 'int-or-string', 'quantity', 'date-time']) {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  return ajv;
}

/** Go regexps may carry the inline flag (?i), which JavaScript lacks: spell out both cases after it instead. */
function caseInsensitive(pattern: string): string {
  const flag = pattern.indexOf('(?i)');
  if (flag < 0) return pattern;
  let out = pattern.slice(0, flag);
  let inClass = false;
  const body = pattern.slice(flag + 4);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') { out += c + body[++i]; continue; }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    out += lower === upper ? c : inClass ? lower + upper : `[${lower}${upper}]`;
  }
  return out;
}

function portablePatterns(schema: any): any {
  if (Array.isArray(schema)) return schema.map(portablePatterns);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [
    key, key === 'pattern' && typeof value === 'string' ? caseInsensitive(value) : portablePatterns(value),
  ]));
}

/**
 * Strict validators for every kind the pinned schemas describe, compiled on first use.
 * Returns undefined for a kind no schema describes.
 */
export function loadStrictValidators(extraCrdDirs: readonly string[] = []): (apiVersion: string, kind: string) => ValidateFunction | undefined {
  const schemas = new Map<string, object>();
  const compiled = new Map<string, ValidateFunction>();
  const ajv = newAjv();

  const definitions = JSON.parse(readFileSync(K8S_DEFINITIONS, 'utf8')).definitions;
  // The whole definitions document is one schema; each kind is a $ref into it.
  const strictDefinitions = strictify({ definitions }).definitions;
  // metadata is validated by the API server's own rules; cdk8s writes only name, namespace, labels, annotations.
  ajv.addSchema({ $id: 'k8s', definitions: strictDefinitions });
  for (const [name, definition] of Object.entries<any>(definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      schemas.set(`${apiVersion}/${gvk.kind}`, { $ref: `k8s#/definitions/${name}` });
    }
  }

  const crdFiles: string[] = [];
  (function walk(dir: string) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml') crdFiles.push(path);
    }
  })(CRD_DIR);
  for (const dir of extraCrdDirs) {
    for (const name of readdirSync(dir)) if (name.endsWith('.yaml') && name !== 'kustomization.yaml') crdFiles.push(join(dir, name));
  }
  for (const file of crdFiles) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = document.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions) {
        const schema = portablePatterns(strictify(version.schema.openAPIV3Schema));
        // The root lists apiVersion/kind/metadata/spec/status; metadata itself is free-form here.
        schema.properties.metadata = { type: 'object' };
        schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, schema);
      }
    }
  }
  return (apiVersion, kind) => {
    const key = `${apiVersion}/${kind}`;
    const schema = schemas.get(key);
    if (!schema) return undefined;
    if (!compiled.has(key)) compiled.set(key, ajv.compile(schema));
    return compiled.get(key);
  };
}

export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .map((error) => `${error.instancePath || '/'} ${error.message}${error.params && 'additionalProperty' in error.params ? ` (${error.params.additionalProperty})` : ''}`)
    .join('; ');
}
