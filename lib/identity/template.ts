/**
 * Go's text/template as spire-controller-manager v0.7.0 runs ClusterSPIFFEID templates, so that the
 * SPIFFE IDs, DNS names and workload selectors previewed here are the ones the manager registers.
 *
 * What the manager does (read in spire-controller-manager v0.7.0):
 * - api/v1alpha1/clusterspiffeid_webhook.go, ParseClusterSPIFFEIDSpec: every template is
 *   `template.New(name).Parse(text)`; no Option (a missing map key prints "<no value>") and no Funcs
 *   (only text/template's built-in functions exist; sprig's `default` and friends do not).
 * - pkg/spireentry/entries.go, renderPodEntry: the data is a `*templateData` with TrustDomain,
 *   ClusterName, ClusterDomain (strings), PodMeta and NodeMeta (`*metav1.ObjectMeta`), PodSpec
 *   (`*corev1.PodSpec`) and NodeSpec (`*corev1.NodeSpec`); renderTemplate calls `tmpl.Execute` and
 *   drops the output on any error (the pod then counts in podEntryRenderFailures).
 *
 * This file is a port of the parts of Go's text/template (parse/lex.go, parse/parse.go, exec.go,
 * funcs.go) and fmt that those templates can reach, over a typed model of that data. A construct the
 * port does not model (define/template/block, methods such as .PodMeta.GetName, struct fields outside
 * STRUCT_FIELDS, printing whole structs or pointers, non-decimal numbers) is refused with
 * TemplateNotPreviewable rather than guessed at. test/template-differential.test.ts runs generated
 * templates through this file and through Go (test/go/template-oracle) and fails on any difference.
 */

export const BUILTIN_FUNCTIONS = [
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery',
  'eq', 'ge', 'gt', 'le', 'lt', 'ne',
] as const;
export const TOP_LEVEL_FIELDS = ['TrustDomain', 'ClusterName', 'ClusterDomain', 'PodMeta', 'PodSpec', 'NodeMeta', 'NodeSpec'] as const;

/** The fields of the Go structs behind the template data that the preview models. */
export const STRUCT_FIELDS: Record<string, readonly string[]> = {
  ObjectMeta: ['Name', 'GenerateName', 'Namespace', 'UID', 'ResourceVersion', 'Generation', 'Labels', 'Annotations', 'OwnerReferences', 'Finalizers'],
  PodSpec: ['ServiceAccountName', 'NodeName', 'Hostname', 'Subdomain', 'SchedulerName', 'PriorityClassName', 'RuntimeClassName', 'HostNetwork'],
  NodeSpec: ['PodCIDR', 'PodCIDRs', 'ProviderID', 'Unschedulable'],
};

/** A template the manager would reject (parse) or fail to render (execution). */
export class TemplateError extends Error {}
/** A template whose result depends on something this port does not model; Go may well accept it. */
export class TemplateNotPreviewable extends TemplateError {}

function notPreviewable(what: string): never {
  throw new TemplateNotPreviewable(`${what} is not previewed (outside the modelled subset of Go text/template)`);
}

// ---- Go types and values -------------------------------------------------------------------------------

interface StructField { readonly name: string; readonly json: string; readonly type: GoType }
type GoType =
  | { readonly kind: 'string' | 'int' | 'uint' | 'float' | 'bool'; readonly name: string }
  | { readonly kind: 'map' | 'slice' | 'ptr'; readonly name: string; readonly elem: GoType }
  | {
    readonly kind: 'struct'; readonly name: string; readonly fields: readonly StructField[];
    /** Real fields and pointer methods of the Go type that the model leaves out. */
    readonly unmodelled: readonly string[];
  };
/**
 * A Go value: raw is a JS string/number/boolean for basic kinds, a plain object (or null for nil) for
 * maps, an array (or null) for slices, `{ target }` (or null) for pointers, an object keyed by field
 * name for structs. `undefined` stands for Go's invalid reflect.Value ("no value", untyped nil).
 */
interface GoValue { readonly type: GoType; readonly raw: unknown }
type Value = GoValue | undefined;

const STRING: GoType = { kind: 'string', name: 'string' };
const UID: GoType = { kind: 'string', name: 'types.UID' };
const INT: GoType = { kind: 'int', name: 'int' };
const INT64: GoType = { kind: 'int', name: 'int64' };
const UINT8: GoType = { kind: 'uint', name: 'uint8' };
const FLOAT64: GoType = { kind: 'float', name: 'float64' };
const BOOL: GoType = { kind: 'bool', name: 'bool' };
const STRING_MAP: GoType = { kind: 'map', name: 'map[string]string', elem: STRING };
const STRING_SLICE: GoType = { kind: 'slice', name: '[]string', elem: STRING };
const ptrTo = (elem: GoType): GoType => ({ kind: 'ptr', name: `*${elem.name}`, elem });

// Field lists: k8s.io/api and k8s.io/apimachinery v0.36.3 (the versions spire-controller-manager
// v0.7.0's go.mod requires), core/v1 types.go and meta/v1 types.go.
const GENERATED_METHODS = ['DeepCopy', 'DeepCopyInto', 'Marshal', 'MarshalTo', 'MarshalToSizedBuffer', 'OpenAPIModelName', 'Reset', 'Size', 'String', 'SwaggerDoc', 'Unmarshal'];
const OWNER_REFERENCE: GoType = {
  kind: 'struct', name: 'v1.OwnerReference',
  fields: [
    { name: 'APIVersion', json: 'apiVersion', type: STRING }, { name: 'Kind', json: 'kind', type: STRING },
    { name: 'Name', json: 'name', type: STRING }, { name: 'UID', json: 'uid', type: UID },
    { name: 'Controller', json: 'controller', type: ptrTo(BOOL) }, { name: 'BlockOwnerDeletion', json: 'blockOwnerDeletion', type: ptrTo(BOOL) },
  ],
  unmodelled: GENERATED_METHODS,
};
const OBJECT_META: GoType = {
  kind: 'struct', name: 'v1.ObjectMeta',
  fields: [
    { name: 'Name', json: 'name', type: STRING }, { name: 'GenerateName', json: 'generateName', type: STRING },
    { name: 'Namespace', json: 'namespace', type: STRING }, { name: 'UID', json: 'uid', type: UID },
    { name: 'ResourceVersion', json: 'resourceVersion', type: STRING }, { name: 'Generation', json: 'generation', type: INT64 },
    { name: 'Labels', json: 'labels', type: STRING_MAP }, { name: 'Annotations', json: 'annotations', type: STRING_MAP },
    { name: 'OwnerReferences', json: 'ownerReferences', type: { kind: 'slice', name: '[]v1.OwnerReference', elem: OWNER_REFERENCE } },
    { name: 'Finalizers', json: 'finalizers', type: STRING_SLICE },
  ],
  unmodelled: [
    'SelfLink', 'CreationTimestamp', 'DeletionTimestamp', 'DeletionGracePeriodSeconds', 'ManagedFields', ...GENERATED_METHODS,
    ...['Annotations', 'CreationTimestamp', 'DeletionGracePeriodSeconds', 'DeletionTimestamp', 'Finalizers', 'GenerateName', 'Generation', 'Labels',
      'ManagedFields', 'Name', 'Namespace', 'OwnerReferences', 'ResourceVersion', 'SelfLink', 'UID'].flatMap((field) => [`Get${field}`, `Set${field}`]),
    'GetObjectMeta',
  ],
};
const POD_SPEC: GoType = {
  kind: 'struct', name: 'v1.PodSpec',
  fields: [
    { name: 'ServiceAccountName', json: 'serviceAccountName', type: STRING }, { name: 'NodeName', json: 'nodeName', type: STRING },
    { name: 'Hostname', json: 'hostname', type: STRING }, { name: 'Subdomain', json: 'subdomain', type: STRING },
    { name: 'SchedulerName', json: 'schedulerName', type: STRING }, { name: 'PriorityClassName', json: 'priorityClassName', type: STRING },
    { name: 'RuntimeClassName', json: 'runtimeClassName', type: ptrTo(STRING) }, { name: 'HostNetwork', json: 'hostNetwork', type: BOOL },
  ],
  unmodelled: [
    'Volumes', 'InitContainers', 'Containers', 'EphemeralContainers', 'RestartPolicy', 'TerminationGracePeriodSeconds', 'ActiveDeadlineSeconds',
    'DNSPolicy', 'NodeSelector', 'DeprecatedServiceAccount', 'AutomountServiceAccountToken', 'HostPID', 'HostIPC', 'ShareProcessNamespace',
    'SecurityContext', 'ImagePullSecrets', 'Affinity', 'Tolerations', 'HostAliases', 'Priority', 'DNSConfig', 'ReadinessGates',
    'EnableServiceLinks', 'PreemptionPolicy', 'Overhead', 'TopologySpreadConstraints', 'SetHostnameAsFQDN', 'OS', 'HostUsers',
    'SchedulingGates', 'ResourceClaims', 'Resources', 'HostnameOverride', 'SchedulingGroup', ...GENERATED_METHODS,
  ],
};
const NODE_SPEC: GoType = {
  kind: 'struct', name: 'v1.NodeSpec',
  fields: [
    { name: 'PodCIDR', json: 'podCIDR', type: STRING }, { name: 'PodCIDRs', json: 'podCIDRs', type: STRING_SLICE },
    { name: 'ProviderID', json: 'providerID', type: STRING }, { name: 'Unschedulable', json: 'unschedulable', type: BOOL },
  ],
  unmodelled: ['Taints', 'ConfigSource', 'DoNotUseExternalID', ...GENERATED_METHODS],
};
/** spire-controller-manager pkg/spireentry/entries.go templateData. */
const TEMPLATE_DATA: GoType = {
  kind: 'struct', name: 'spireentry.templateData',
  fields: [
    { name: 'TrustDomain', json: 'trustDomain', type: STRING }, { name: 'ClusterName', json: 'clusterName', type: STRING },
    { name: 'ClusterDomain', json: 'clusterDomain', type: STRING },
    { name: 'PodMeta', json: '', type: ptrTo(OBJECT_META) }, { name: 'PodSpec', json: '', type: ptrTo(POD_SPEC) },
    { name: 'NodeMeta', json: '', type: ptrTo(OBJECT_META) }, { name: 'NodeSpec', json: '', type: ptrTo(NODE_SPEC) },
  ],
  unmodelled: [],
};

/** A JSON value decoded into `type` as encoding/json would (absent or null: the zero value, nil). */
function decodeJson(type: GoType, json: unknown): unknown {
  switch (type.kind) {
    case 'string': return typeof json === 'string' ? json : '';
    case 'int': case 'uint': case 'float': return typeof json === 'number' ? json : 0;
    case 'bool': return json === true;
    case 'map': {
      if (json === null || typeof json !== 'object') return null;
      return Object.fromEntries(Object.entries(json as Record<string, unknown>).map(([key, value]) => [key, decodeJson(type.elem, value)]));
    }
    case 'slice': return Array.isArray(json) ? json.map((item) => decodeJson(type.elem, item)) : null;
    case 'ptr': return json === null || json === undefined ? null : { target: decodeJson(type.elem, json) };
    case 'struct': {
      const object = (json ?? {}) as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((field) => [field.name, decodeJson(field.type, object[field.json])]));
    }
  }
}

/** The template data in its Kubernetes JSON form: what the differential test hands to Go as well. */
export interface TemplateContext {
  readonly trustDomain: string;
  readonly clusterName: string;
  readonly clusterDomain: string;
  readonly pod: { readonly metadata?: object; readonly spec?: object };
  readonly node: { readonly metadata?: object; readonly spec?: object };
}

function dataValue(context: TemplateContext): GoValue {
  const fields = TEMPLATE_DATA.kind === 'struct' ? TEMPLATE_DATA.fields : [];
  const pointer = (name: string, json: unknown) => decodeJson(fields.find((field) => field.name === name)!.type, json ?? {});
  const raw = {
    TrustDomain: context.trustDomain, ClusterName: context.clusterName, ClusterDomain: context.clusterDomain,
    PodMeta: pointer('PodMeta', context.pod.metadata), PodSpec: pointer('PodSpec', context.pod.spec),
    NodeMeta: pointer('NodeMeta', context.node.metadata), NodeSpec: pointer('NodeSpec', context.node.spec),
  };
  // Execute hands text/template a *templateData.
  return { type: ptrTo(TEMPLATE_DATA), raw: { target: raw } };
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
/** Go compares strings byte by byte (UTF-8), which is not JS's UTF-16 order. */
function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(utf8(a), utf8(b));
}

/** reflect's indirect: through pointers, stopping at a nil one. */
function indirect(value: GoValue): { value: GoValue; isNil: boolean } {
  let current = value;
  while (current.type.kind === 'ptr') {
    const pointer = current.raw as { target: unknown } | null;
    if (pointer === null) return { value: current, isNil: true };
    current = { type: current.type.elem, raw: pointer.target };
  }
  return { value: current, isNil: false };
}

function lengthOf(value: GoValue): number | undefined {
  switch (value.type.kind) {
    case 'string': return utf8(value.raw as string).length;
    case 'map': return value.raw === null ? 0 : Object.keys(value.raw as object).length;
    case 'slice': return value.raw === null ? 0 : (value.raw as unknown[]).length;
    default: return undefined;
  }
}

/** exec.go isTrue. */
function isTrue(value: Value): boolean {
  if (value === undefined) return false;
  switch (value.type.kind) {
    case 'string': case 'map': case 'slice': return lengthOf(value)! > 0;
    case 'bool': return value.raw as boolean;
    case 'ptr': return value.raw !== null;
    case 'int': case 'uint': case 'float': return (value.raw as number) !== 0;
    case 'struct': return true;
  }
}

// ---- lexer (text/template/parse/lex.go) ----------------------------------------------------------------

type ItemType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'complex' | 'assign' | 'declare' | 'EOF' | 'field' | 'identifier'
  | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString' | 'rightDelim' | 'rightParen' | 'space' | 'string'
  | 'text' | 'variable'
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range' | 'template' | 'with';
interface Item { readonly typ: ItemType; readonly val: string }

const KEYWORDS: Record<string, ItemType> = {
  '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define', else: 'else', end: 'end',
  if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with',
};
const keywordOf = (word: string): ItemType | undefined => (Object.prototype.hasOwnProperty.call(KEYWORDS, word) ? KEYWORDS[word] : undefined);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));
const hasLeftTrimMarker = (s: string): boolean => s.length >= 2 && s[0] === '-' && isSpace(s[1]);
const hasRightTrimMarker = (s: string): boolean => s.length >= 2 && isSpace(s[0]) && s[1] === '-';
const trimRightSpace = (s: string): string => s.replace(/[ \t\r\n]+$/, '');

/** Lexes the whole template; a lexing error ends the list with an 'error' item, as Go's parser sees it. */
function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let parenDepth = 0;
  const chars = (from: number) => input.slice(from);
  // Go walks runes; JS strings are UTF-16, so step over surrogate pairs as one rune.
  const next = (): string | undefined => {
    if (pos >= input.length) { pos = input.length + 1; return undefined; }
    const rune = String.fromCodePoint(input.codePointAt(pos)!);
    pos += rune.length;
    return rune;
  };
  const backup = (rune: string | undefined) => { pos -= rune === undefined ? 1 : rune.length; };
  const peek = (): string | undefined => { const rune = next(); backup(rune); return rune; };
  const emit = (typ: ItemType) => { items.push({ typ, val: input.slice(start, pos) }); start = pos; };
  const fail = (message: string): Item[] => { items.push({ typ: 'error', val: message }); return items; };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(chars(pos)) && input.startsWith('}}', pos + 2)) return { delim: true, trim: true };
    return { delim: input.startsWith('}}', pos), trim: false };
  };
  const atTerminator = (): boolean => {
    const rune = peek();
    if (isSpace(rune)) return true;
    if (rune === undefined || '.,|:()'.includes(rune)) return true;
    return input.startsWith('}}', pos);
  };
  const accept = (valid: string): boolean => {
    const rune = next();
    if (rune !== undefined && valid.includes(rune)) return true;
    backup(rune);
    return false;
  };
  const acceptRun = (valid: string) => { while (accept(valid)) { /* consume */ } };
  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) { accept('+-'); acceptRun('0123456789_'); }
    if (digits.length === 23 && accept('pP')) { accept('+-'); acceptRun('0123456789_'); }
    accept('i');
    if (isAlphaNumeric(peek())) { next(); return false; }
    return true;
  };

  for (;;) {
    // lexText
    const x = input.indexOf('{{', pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      items.push({ typ: 'EOF', val: '' });
      return items;
    }
    if (x > pos) {
      pos = x;
      let text = input.slice(start, pos);
      if (hasLeftTrimMarker(chars(pos + 2))) text = trimRightSpace(text);
      if (text.length > 0) items.push({ typ: 'text', val: text });
      start = pos;
    }
    // lexLeftDelim
    pos += 2;
    const trimLeft = hasLeftTrimMarker(chars(pos));
    const afterMarker = trimLeft ? 2 : 0;
    if (input.startsWith('/*', pos + afterMarker)) {
      // lexComment: comments are dropped (the manager parses without ParseComments).
      pos += afterMarker + 2;
      const end = input.indexOf('*/', pos);
      if (end < 0) return fail('unclosed comment');
      pos = end + 2;
      const { delim, trim } = atRightDelim();
      if (!delim) return fail('comment ends before closing delimiter');
      pos += (trim ? 2 : 0) + 2;
      if (trim) while (isSpace(input[pos])) pos++;
      start = pos;
      continue;
    }
    emit('leftDelim');
    pos += afterMarker;
    start = pos;
    parenDepth = 0;
    // lexInsideAction until the right delimiter
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        if (trim) pos += 2;
        start = pos;
        pos += 2;
        emit('rightDelim');
        if (trim) while (isSpace(input[pos])) pos++;
        start = pos;
        break;
      }
      const r = next();
      if (r === undefined) return fail('unclosed action');
      if (isSpace(r)) {
        backup(r);
        // lexSpace
        let spaces = 0;
        while (isSpace(peek())) { next(); spaces++; }
        if (hasRightTrimMarker(chars(pos - 1)) && input.startsWith('}}', pos + 1)) {
          pos -= 1;
          if (spaces === 1) continue;
        }
        emit('space');
        continue;
      }
      if (r === '=') { emit('assign'); continue; }
      if (r === ':') {
        if (next() !== '=') return fail('expected :=');
        emit('declare');
        continue;
      }
      if (r === '|') { emit('pipe'); continue; }
      if (r === '"') {
        for (;;) {
          const c = next();
          if (c === '\\') {
            const escaped = next();
            if (escaped !== undefined && escaped !== '\n') continue;
            return fail('unterminated quoted string');
          }
          if (c === undefined || c === '\n') return fail('unterminated quoted string');
          if (c === '"') break;
        }
        emit('string');
        continue;
      }
      if (r === '`') {
        for (;;) {
          const c = next();
          if (c === undefined) return fail('unterminated raw quoted string');
          if (c === '`') break;
        }
        emit('rawString');
        continue;
      }
      if (r === '$' || (r === '.' && !(pos < input.length && input[pos] >= '0' && input[pos] <= '9'))) {
        const typ: ItemType = r === '$' ? 'variable' : 'field';
        if (atTerminator()) { emit(typ === 'variable' ? 'variable' : 'dot'); continue; }
        let c: string | undefined;
        for (;;) {
          c = next();
          if (!isAlphaNumeric(c)) { backup(c); break; }
        }
        if (!atTerminator()) {
          let after = input.slice(start, pos);
          if (c === '-' && typ === 'field') {
            // The map is the chain of fields lexed just before this one: .PodMeta.Labels in .PodMeta.Labels.app-name.
            let first = items.length;
            while (first > 0 && items[first - 1].typ === 'field') first--;
            const map = items.slice(first).map((item) => item.val).join('');
            const key = after.slice(1) + /^[^\s}|()]*/.exec(input.slice(pos))![0];
            after = `${map}${after}: label keys with dashes need index, e.g. index ${map || '.'} "${key}"`;
          }
          return fail(`bad character ${unicodeName(c)} after ${after}`);
        }
        emit(typ);
        continue;
      }
      if (r === '\'') {
        for (;;) {
          const c = next();
          if (c === '\\') {
            const escaped = next();
            if (escaped !== undefined && escaped !== '\n') continue;
            return fail('unterminated character constant');
          }
          if (c === undefined || c === '\n') return fail('unterminated character constant');
          if (c === '\'') break;
        }
        emit('charConstant');
        continue;
      }
      if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
        backup(r);
        if (!scanNumber()) return fail(`bad number syntax: "${input.slice(start, pos)}"`);
        const sign = peek();
        if (sign === '+' || sign === '-') {
          if (!scanNumber() || input[pos - 1] !== 'i') return fail(`bad number syntax: "${input.slice(start, pos)}"`);
          emit('complex');
          continue;
        }
        emit('number');
        continue;
      }
      if (isAlphaNumeric(r)) {
        let c: string | undefined;
        for (;;) {
          c = next();
          if (!isAlphaNumeric(c)) { backup(c); break; }
        }
        const word = input.slice(start, pos);
        if (!atTerminator()) return fail(`bad character ${unicodeName(c)} after ${word}`);
        const keyword = keywordOf(word);
        if (keyword) emit(keyword);
        else if (word === 'true' || word === 'false') emit('bool');
        else emit('identifier');
        continue;
      }
      if (r === '(') { parenDepth++; emit('leftParen'); continue; }
      if (r === ')') {
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren');
        emit('rightParen');
        continue;
      }
      if (r.codePointAt(0)! <= 0x7f && r >= ' ' && r !== '\x7f') { emit('char'); continue; }
      return fail(`unrecognized character in action: ${unicodeName(r)}`);
    }
  }
}

function unicodeName(rune: string | undefined): string {
  if (rune === undefined) return 'EOF';
  return `U+${rune.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${rune}'`;
}

// ---- parser (text/template/parse/parse.go) -------------------------------------------------------------

type Arg =
  | { readonly type: 'field'; readonly ident: readonly string[] }
  | { readonly type: 'variable'; readonly ident: readonly string[] }
  | { readonly type: 'chain'; readonly node: Arg; readonly field: readonly string[] }
  | { readonly type: 'identifier'; readonly name: string }
  | { readonly type: 'dot' } | { readonly type: 'nil' }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'number'; readonly text: string; readonly isInt: boolean; readonly isFloat: boolean; readonly value: number }
  | { readonly type: 'string'; readonly text: string }
  | { readonly type: 'pipe'; readonly pipe: Pipe };
interface Command { readonly args: Arg[] }
interface Pipe { isAssign: boolean; readonly decl: string[]; readonly cmds: Command[] }
type TemplateNode =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action'; readonly pipe: Pipe }
  | { readonly type: 'if' | 'with' | 'range'; readonly pipe: Pipe; readonly list: TemplateNode[]; readonly elseList?: TemplateNode[] }
  | { readonly type: 'break' | 'continue' };
type ParsedNode = TemplateNode | { readonly type: 'end' } | { readonly type: 'else' };

export interface ParsedTemplate {
  readonly source: string;
  readonly root: readonly TemplateNode[];
}

class Parser {
  private index = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;

  constructor(private readonly items: Item[]) {}

  private next(): Item {
    const item = this.items[this.index++];
    if (item.typ === 'error') throw new TemplateError(item.val);
    return item;
  }
  private backup(count = 1): void { this.index -= count; }
  private peek(): Item { const item = this.next(); this.backup(); return item; }
  private nextNonSpace(): Item {
    let item = this.next();
    while (item.typ === 'space') item = this.next();
    return item;
  }
  /** Like Go's peekNonSpace, this consumes the spaces before the item it returns. */
  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }
  private unexpected(item: Item, context: string): never {
    throw new TemplateError(`unexpected ${describe(item)} in ${context}`);
  }

  parse(): TemplateNode[] {
    const root: TemplateNode[] = [];
    while (this.peek().typ !== 'EOF') {
      if (this.peek().typ === 'leftDelim') {
        const mark = this.index;
        this.next();
        if (this.nextNonSpace().typ === 'define') notPreviewable('{{define}}');
        this.index = mark;
      }
      const node = this.textOrAction();
      if (node.type === 'end' || node.type === 'else') throw new TemplateError(`unexpected {{${node.type}}}`);
      root.push(node);
    }
    return root;
  }

  private itemList(): { list: TemplateNode[]; next: ParsedNode } {
    const list: TemplateNode[] = [];
    while (this.peekNonSpace().typ !== 'EOF') {
      const node = this.textOrAction();
      if (node.type === 'end' || node.type === 'else') return { list, next: node };
      list.push(node);
    }
    throw new TemplateError('unexpected EOF: an {{if}}, {{with}} or {{range}} has no {{end}}');
  }

  private textOrAction(): ParsedNode {
    const token = this.nextNonSpace();
    if (token.typ === 'text') return { type: 'text', text: token.val };
    if (token.typ === 'leftDelim') return this.action();
    return this.unexpected(token, 'input');
  }

  private action(): ParsedNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'block': return notPreviewable('{{block}}');
      case 'template': return notPreviewable('{{template}}');
      case 'break': case 'continue': {
        const after = this.nextNonSpace();
        if (after.typ !== 'rightDelim') this.unexpected(after, `{{${token.typ}}}`);
        if (this.rangeDepth === 0) throw new TemplateError(`{{${token.typ}}} outside {{range}}`);
        return { type: token.typ };
      }
      case 'else': {
        const peek = this.peekNonSpace();
        if (peek.typ !== 'if' && peek.typ !== 'with') this.expect('rightDelim', 'else');
        return { type: 'else' };
      }
      case 'end':
        this.expect('rightDelim', 'end');
        return { type: 'end' };
      case 'if': case 'with': case 'range':
        return this.control(token.typ);
      default:
        this.backup();
        return { type: 'action', pipe: this.pipeline('command', 'rightDelim') };
    }
  }

  private expect(typ: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== typ) this.unexpected(token, context);
    return token;
  }

  private control(context: 'if' | 'with' | 'range'): TemplateNode {
    const varCount = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const { list, next } = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: TemplateNode[] | undefined;
      if (next.type === 'else') {
        const peek = this.peek().typ;
        if ((context === 'if' && peek === 'if') || (context === 'with' && peek === 'with')) {
          this.next();
          elseList = [this.control(context)];
        } else {
          const rest = this.itemList();
          if (rest.next.type !== 'end') throw new TemplateError('expected end; found {{else}}');
          elseList = rest.list;
        }
      }
      return { type: context, pipe, list, elseList };
    } finally {
      this.vars = this.vars.slice(0, varCount);
    }
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const pipe: Pipe = { isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      const mark = this.index;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.typ === 'assign' || next.typ === 'declare') {
        pipe.isAssign = next.typ === 'assign';
        this.nextNonSpace();
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        break;
      }
      if (next.typ === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const after = this.peekNonSpace().typ;
          if (after === 'variable' || after === 'rightDelim' || after === 'rightParen') continue;
          throw new TemplateError('range can only initialize variables');
        }
        throw new TemplateError(`too many declarations in ${context}`);
      }
      // Not a declaration: put the variable (and the spaces after it) back and parse it as an operand.
      this.index = mark;
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.typ === end) {
        if (pipe.cmds.length === 0) throw new TemplateError(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((command, index) => {
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(command.args[0].type)) {
            throw new TemplateError(`non executable command in pipeline stage ${index + 2}`);
          }
        });
        return pipe;
      }
      switch (token.typ) {
        case 'bool': case 'charConstant': case 'complex': case 'dot': case 'field': case 'identifier':
        case 'number': case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private command(): Command {
    const args: Arg[] = [];
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) args.push(operand);
      const token = this.next();
      if (token.typ === 'space') continue;
      if (token.typ === 'rightDelim' || token.typ === 'rightParen') this.backup();
      else if (token.typ !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (args.length === 0) throw new TemplateError('empty command');
    return { args };
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().typ !== 'field') return node;
    const fields: string[] = [];
    while (this.peek().typ === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field': return { type: 'field', ident: [...node.ident, ...fields] };
      case 'variable': return { type: 'variable', ident: [...node.ident, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        throw new TemplateError('unexpected . after term');
      default: return { type: 'chain', node, field: fields };
    }
  }

  private term(): Arg | undefined {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'identifier':
        if (!(BUILTIN_FUNCTIONS as readonly string[]).includes(token.val)) {
          throw new TemplateError(`function "${token.val}" not defined (only Go's built-in template functions exist: ${BUILTIN_FUNCTIONS.join(' ')})`);
        }
        return { type: 'identifier', name: token.val };
      case 'dot': return { type: 'dot' };
      case 'nil': return { type: 'nil' };
      case 'variable': {
        const ident = token.val.split('.');
        if (!this.vars.includes(ident[0])) throw new TemplateError(`undefined variable "${ident[0]}"`);
        return { type: 'variable', ident };
      }
      case 'field': return { type: 'field', ident: token.val.slice(1).split('.') };
      case 'bool': return { type: 'bool', value: token.val === 'true' };
      case 'charConstant': case 'complex': case 'number': return parseNumber(token);
      case 'leftParen': return { type: 'pipe', pipe: this.pipeline('parenthesized pipeline', 'rightParen') };
      case 'string': case 'rawString': return { type: 'string', text: unquote(token.val) };
      default:
        this.backup();
        return undefined;
    }
  }
}

function describe(item: Item): string {
  if (item.typ === 'EOF') return 'EOF';
  if (keywordOf(item.val) && item.typ !== 'dot') return `<${item.val}>`;
  return JSON.stringify(item.val);
}

/** parse/node.go newNumber, for decimal integers, decimal fractions and simple character constants. */
function parseNumber(token: Item): Arg {
  const text = token.val;
  if (token.typ === 'charConstant') {
    const { rune, tail } = unquoteChar(text.slice(1), '\'');
    if (tail !== '\'') throw new TemplateError(`malformed character constant: ${text}`);
    return { type: 'number', text, isInt: true, isFloat: true, value: rune };
  }
  if (token.typ === 'complex' || text.endsWith('i')) return notPreviewable(`the complex number ${text}`);
  if (!/\d/.test(text)) throw new TemplateError(`illegal number syntax: "${text}"`);
  if (/^[+-]?(0|[1-9][0-9]*)$/.test(text)) {
    const big = BigInt(text);
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) return notPreviewable(`the number ${text} (beyond 2^53)`);
    return { type: 'number', text, isInt: true, isFloat: true, value: Number(big) };
  }
  if (/^[+-]?([0-9]+\.[0-9]*|\.[0-9]+)$/.test(text) && !/^[+-]?0[0-9]/.test(text)) {
    const value = Number(text);
    return { type: 'number', text, isInt: Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER, isFloat: true, value };
  }
  return notPreviewable(`the number ${text} (only decimal numbers are modelled)`);
}

/** strconv.UnquoteChar for one rune of a quoted literal. */
function unquoteChar(s: string, quote: string): { rune: number; tail: string } {
  if (s.length === 0) throw new TemplateError('invalid syntax');
  const first = s.codePointAt(0)!;
  const firstChar = String.fromCodePoint(first);
  if (firstChar === quote && (quote === '\'' || quote === '"')) throw new TemplateError('invalid syntax');
  if (firstChar !== '\\') return { rune: first, tail: s.slice(firstChar.length) };
  if (s.length <= 1) throw new TemplateError('invalid syntax');
  const c = s[1];
  const rest = s.slice(2);
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (c in simple) return { rune: simple[c], tail: rest };
  if (c === '\'' || c === '"') {
    if (c !== quote) throw new TemplateError('invalid syntax');
    return { rune: c.charCodeAt(0), tail: rest };
  }
  const hexLength = ({ x: 2, u: 4, U: 8 } as Record<string, number>)[c];
  if (hexLength !== undefined) {
    const digits = rest.slice(0, hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(digits)) throw new TemplateError('invalid syntax');
    const rune = parseInt(digits, 16);
    if (c === 'x' && rune >= 0x80) return notPreviewable(`the byte escape \\x${digits}`);
    if (rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) throw new TemplateError('invalid syntax');
    return { rune, tail: rest.slice(hexLength) };
  }
  if (c >= '0' && c <= '7') {
    const digits = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(digits)) throw new TemplateError('invalid syntax');
    const rune = parseInt(digits, 8);
    if (rune > 255) throw new TemplateError('invalid syntax');
    if (rune >= 0x80) return notPreviewable(`the byte escape \\${digits}`);
    return { rune, tail: s.slice(4) };
  }
  throw new TemplateError('invalid syntax');
}

/** strconv.Unquote for "..." and `...` literals. */
function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1).replace(/\r/g, '');
  let body = literal.slice(1, -1);
  let out = '';
  while (body.length > 0) {
    const { rune, tail } = unquoteChar(body, '"');
    out += String.fromCodePoint(rune);
    body = tail;
  }
  return out;
}

/** Parses a template exactly as Go's text/template does (no field checks); throws TemplateError. */
export function parseGoTemplate(source: string): ParsedTemplate {
  return { source, root: new Parser(lex(source)).parse() };
}

// ---- static field check --------------------------------------------------------------------------------

/**
 * Refuses a field the template data lacks or the preview does not model, wherever it appears (Go
 * notices only when the branch runs, for some pod; this check notices at synth time for every pod).
 */
function checkFields(nodes: readonly TemplateNode[], dot: GoType | undefined, vars: Map<string, GoType | undefined>): void {
  const pipeType = (pipe: Pipe, scope: Map<string, GoType | undefined>): GoType | undefined => {
    let type: GoType | undefined;
    for (const command of pipe.cmds) {
      for (const arg of command.args) argType(arg, scope);
      type = command.args.length === 1 ? argType(command.args[0], scope) : undefined;
    }
    for (const name of pipe.decl) scope.set(name, pipe.decl.length === 1 ? type : undefined);
    return type;
  };
  const argType = (arg: Arg, scope: Map<string, GoType | undefined>): GoType | undefined => {
    switch (arg.type) {
      case 'field': return fieldType(dot, arg.ident, '');
      case 'variable': return fieldType(scope.get(arg.ident[0]), arg.ident.slice(1), arg.ident[0]);
      case 'chain': return fieldType(argType(arg.node, scope), arg.field, '(...)');
      case 'pipe': return pipeType(arg.pipe, new Map(scope));
      case 'string': return STRING;
      default: return undefined;
    }
  };
  for (const node of nodes) {
    if (node.type === 'action') pipeType(node.pipe, vars);
    if (node.type !== 'if' && node.type !== 'with' && node.type !== 'range') continue;
    const scope = new Map(vars);
    const type = pipeType(node.pipe, scope);
    let inner: GoType | undefined = node.type === 'if' ? dot : undefined;
    if (node.type === 'with') inner = type;
    if (node.type === 'range' && type) {
      const target = type.kind === 'ptr' ? type.elem : type;
      inner = target.kind === 'map' || target.kind === 'slice' ? target.elem : undefined;
      const [first, second] = node.pipe.decl;
      if (first !== undefined) scope.set(first, node.pipe.decl.length === 1 ? inner : undefined);
      if (second !== undefined) scope.set(second, inner);
    }
    checkFields(node.list, inner, new Map(scope));
    if (node.elseList) checkFields(node.elseList, dot, new Map(scope));
  }
}

function fieldType(start: GoType | undefined, names: readonly string[], prefix: string): GoType | undefined {
  let type = start;
  let path = prefix;
  for (const name of names) {
    if (type === undefined) return undefined;
    const target: GoType = type.kind === 'ptr' ? type.elem : type;
    if (target.kind === 'map') { type = target.elem; path += `.${name}`; continue; }
    if (target.kind !== 'struct') throw new TemplateError(`${path} is a ${target.name} and has no field .${name}`);
    const field = target.fields.find((candidate) => candidate.name === name);
    if (!field) {
      if (target === TEMPLATE_DATA) throw new TemplateError(`unknown field .${name} (the template data has ${TOP_LEVEL_FIELDS.map((f) => `.${f}`).join(' ')})`);
      if (target.unmodelled.includes(name)) notPreviewable(`${path}.${name}`);
      throw new TemplateError(`${path} has no field .${name} (${target.name} fields modelled here: ${target.fields.map((f) => f.name).join(' ')})`);
    }
    type = field.type;
    path += `.${name}`;
  }
  return type;
}

/** Parses a template the way the manager does, plus the field check above; throws TemplateError. */
export function parseTemplate(source: string): ParsedTemplate {
  const parsed = parseGoTemplate(source);
  checkFields(parsed.root, ptrTo(TEMPLATE_DATA), new Map([['$', ptrTo(TEMPLATE_DATA)]]));
  return parsed;
}

// ---- execution (text/template/exec.go, funcs.go) -------------------------------------------------------

class BreakSignal {}
class ContinueSignal {}
const MISSING = Symbol('missing final argument');
type Final = Value | typeof MISSING;
/** How a built-in function's parameter is declared, which decides how Go converts an argument. */
type Param = 'value' | 'any' | 'string';
interface Builtin { readonly params: readonly Param[]; readonly variadic: boolean }
const BUILTINS: Record<string, Builtin> = {
  and: { params: ['value', 'value'], variadic: true }, or: { params: ['value', 'value'], variadic: true },
  not: { params: ['value'], variadic: false }, len: { params: ['value'], variadic: false },
  index: { params: ['value', 'value'], variadic: true }, slice: { params: ['value', 'value'], variadic: true },
  call: { params: ['value', 'value'], variadic: true },
  print: { params: ['any'], variadic: true }, println: { params: ['any'], variadic: true },
  printf: { params: ['string', 'any'], variadic: true },
  html: { params: ['any'], variadic: true }, js: { params: ['any'], variadic: true }, urlquery: { params: ['any'], variadic: true },
  eq: { params: ['value', 'value'], variadic: true },
  ne: { params: ['value', 'value'], variadic: false }, lt: { params: ['value', 'value'], variadic: false },
  le: { params: ['value', 'value'], variadic: false }, gt: { params: ['value', 'value'], variadic: false },
  ge: { params: ['value', 'value'], variadic: false },
};

const goString = (text: string): GoValue => ({ type: STRING, raw: text });
const goBool = (value: boolean): GoValue => ({ type: BOOL, raw: value });
const goInt = (value: number): GoValue => ({ type: INT, raw: value });

class Executor {
  private vars: { name: string; value: Value }[];
  private out = '';

  constructor(data: GoValue) {
    this.vars = [{ name: '$', value: data }];
  }

  run(nodes: readonly TemplateNode[], dot: Value): string {
    this.walkList(nodes, dot);
    return this.out;
  }

  private walkList(nodes: readonly TemplateNode[], dot: Value): void {
    for (const node of nodes) this.walk(node, dot);
  }

  private walk(node: TemplateNode, dot: Value): void {
    switch (node.type) {
      case 'text': this.out += node.text; return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out += printValue(value);
        return;
      }
      case 'break': throw new BreakSignal();
      case 'continue': throw new ContinueSignal();
      case 'if': case 'with': {
        const mark = this.vars.length;
        try {
          const value = this.evalPipeline(dot, node.pipe);
          if (isTrue(value)) this.walkList(node.list, node.type === 'with' ? value : dot);
          else if (node.elseList) this.walkList(node.elseList, dot);
        } finally {
          this.vars.length = mark;
        }
        return;
      }
      case 'range': this.walkRange(node, dot);
    }
  }

  private walkRange(node: Extract<TemplateNode, { list: unknown }>, dot: Value): void {
    const mark = this.vars.length;
    try {
      const evaluated = this.evalPipeline(dot, node.pipe);
      const value = evaluated === undefined ? undefined : indirect(evaluated).value;
      const iterationMark = this.vars.length;
      const decl = node.pipe.decl;
      const oneIteration = (index: Value, elem: Value) => {
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(decl[0], decl.length > 1 ? index : elem);
          else this.vars[this.vars.length - 1].value = elem;
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(decl[1], elem);
          else this.vars[this.vars.length - 2].value = index;
        }
        try {
          this.walkList(node.list, elem);
        } catch (signal) {
          if (!(signal instanceof ContinueSignal)) throw signal;
        } finally {
          this.vars.length = iterationMark;
        }
      };
      const iterations: [Value, Value][] = [];
      if (value === undefined) {
        // An invalid value (a missing map key) ranges like an empty map.
      } else if (value.type.kind === 'int' || value.type.kind === 'uint') {
        if (decl.length > 1) throw new TemplateError(`can't use ${value.raw as number} to iterate over more than one variable`);
        for (let i = 0; i < (value.raw as number); i++) iterations.push([undefined, { type: value.type, raw: i }]);
      } else if (value.type.kind === 'slice') {
        const elemType = value.type.elem;
        ((value.raw as unknown[] | null) ?? []).forEach((item, i) => iterations.push([goInt(i), { type: elemType, raw: item }]));
      } else if (value.type.kind === 'map') {
        const elemType = value.type.elem;
        const entries = Object.entries((value.raw as Record<string, unknown> | null) ?? {}).sort(([a], [b]) => compareGoStrings(a, b));
        for (const [key, item] of entries) iterations.push([goString(key), { type: elemType, raw: item }]);
      } else {
        throw new TemplateError(`range can't iterate over a value of type ${value.type.name}`);
      }
      if (iterations.length > 0) {
        try {
          for (const [index, elem] of iterations) oneIteration(index, elem);
        } catch (signal) {
          if (!(signal instanceof BreakSignal)) throw signal;
        }
        return;
      }
      if (node.elseList) this.walkList(node.elseList, dot);
    } finally {
      this.vars.length = mark;
    }
  }

  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) { this.vars[i].value = value; return; }
    }
    throw new TemplateError(`undefined variable: ${name}`);
  }

  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    throw new TemplateError(`undefined variable: ${name}`);
  }

  private evalPipeline(dot: Value, pipe: Pipe): Value {
    let value: Final = MISSING;
    for (const command of pipe.cmds) value = this.evalCommand(dot, command, value);
    const result = value === MISSING ? undefined : value;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, result);
      else this.vars.push({ name, value: result });
    }
    return result;
  }

  private notAFunction(args: readonly Arg[], final: Final): void {
    if (args.length > 1 || final !== MISSING) throw new TemplateError(`can't give argument to non-function ${args[0].type}`);
  }

  private evalCommand(dot: Value, command: Command, final: Final): Value {
    const first = command.args[0];
    switch (first.type) {
      case 'field': return this.evalFieldChain(dot, first.ident, command.args, final);
      case 'chain': return this.evalChain(dot, first, command.args, final);
      case 'identifier': return this.evalFunction(dot, first.name, command.args, final);
      case 'pipe':
        this.notAFunction(command.args, final);
        return this.evalPipeline(dot, first.pipe);
      case 'variable': return this.evalVariable(first.ident, command.args, final);
      default: break;
    }
    this.notAFunction(command.args, final);
    switch (first.type) {
      case 'bool': return goBool(first.value);
      case 'dot': return dot;
      case 'nil': throw new TemplateError('nil is not a command');
      case 'number': return idealConstant(first);
      case 'string': return goString(first.text);
    }
  }

  private evalChain(dot: Value, chain: Extract<Arg, { type: 'chain' }>, args: readonly Arg[], final: Final): Value {
    if (chain.node.type === 'nil') throw new TemplateError('indirection through explicit nil');
    const receiver = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(receiver, chain.field, args, final);
  }

  private evalVariable(ident: readonly string[], args: readonly Arg[], final: Final): Value {
    const value = this.varValue(ident[0]);
    if (ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(value, ident.slice(1), args, final);
  }

  private evalFieldChain(receiver: Value, ident: readonly string[], args: readonly Arg[], final: Final): Value {
    let current = receiver;
    for (let i = 0; i < ident.length - 1; i++) current = this.evalField(ident[i], [], MISSING, current);
    return this.evalField(ident[ident.length - 1], args, final, current);
  }

  private evalField(name: string, args: readonly Arg[], final: Final, receiver: Value): Value {
    if (receiver === undefined) return undefined;
    const { value, isNil } = indirect(receiver);
    const hasArgs = args.length > 1 || final !== MISSING;
    const type = value.type;
    if (type.kind === 'struct' || (type.kind === 'ptr' && type.elem.kind === 'struct')) {
      const structType = type.kind === 'struct' ? type : type.elem;
      if (structType.kind !== 'struct') throw new Error('unreachable');
      const field = structType.fields.find((candidate) => candidate.name === name);
      if (!field && structType.unmodelled.includes(name)) notPreviewable(`the field or method ${name} of ${structType.name}`);
      if (field && isNil) throw new TemplateError(`nil pointer evaluating ${receiver.type.name}.${name}`);
      if (field) {
        if (hasArgs) throw new TemplateError(`${name} has arguments but cannot be invoked as function`);
        return { type: field.type, raw: (value.raw as Record<string, unknown>)[name] };
      }
    }
    if (type.kind === 'map') {
      if (hasArgs) throw new TemplateError(`${name} is not a method but has arguments`);
      const map = value.raw as Record<string, unknown> | null;
      return map !== null && Object.prototype.hasOwnProperty.call(map, name) ? { type: type.elem, raw: map[name] } : undefined;
    }
    if (type.kind === 'ptr' && isNil && type.elem.kind !== 'struct') throw new TemplateError(`nil pointer evaluating ${receiver.type.name}.${name}`);
    throw new TemplateError(`can't evaluate field ${name} in type ${receiver.type.name}`);
  }

  private evalFunction(dot: Value, name: string, args: readonly Arg[], final: Final): Value {
    const builtin = BUILTINS[name];
    const rest = args.slice(1);
    const numIn = rest.length + (final === MISSING ? 0 : 1);
    const numFixed = builtin.variadic ? builtin.params.length - 1 : rest.length;
    if (builtin.variadic && numIn < numFixed) throw new TemplateError(`wrong number of args for ${name}: want at least ${numFixed} got ${rest.length}`);
    if (!builtin.variadic && numIn !== builtin.params.length) throw new TemplateError(`wrong number of args for ${name}: want ${builtin.params.length} got ${numIn}`);
    if (name === 'and' || name === 'or') {
      let value: Value;
      for (const arg of rest) {
        value = this.evalArg(dot, 'value', arg);
        if (isTrue(value) === (name === 'or')) return value;
      }
      if (final !== MISSING) value = final;
      return value;
    }
    const paramAt = (i: number): Param => builtin.params[Math.min(i, builtin.params.length - 1)];
    const argv: Value[] = rest.map((arg, i) => this.evalArg(dot, i < numFixed ? builtin.params[i] : paramAt(builtin.params.length - 1), arg));
    if (final !== MISSING) argv.push(validateType(final, paramAt(rest.length)));
    try {
      return callBuiltin(name, argv);
    } catch (error) {
      if (error instanceof TemplateNotPreviewable || !(error instanceof TemplateError)) throw error;
      throw new TemplateError(`error calling ${name}: ${error.message}`);
    }
  }

  /** exec.go evalArg; `param` undefined is Go's nil reflect.Type (the receiver of a chain). */
  private evalArg(dot: Value, param: Param | undefined, arg: Arg): Value {
    switch (arg.type) {
      case 'dot': return validateType(dot, param);
      case 'nil':
        if (param === 'string') throw new TemplateError('cannot assign nil to string');
        return undefined;
      case 'field': return validateType(this.evalFieldChain(dot, arg.ident, [arg], MISSING), param);
      case 'variable': return validateType(this.evalVariable(arg.ident, [], MISSING), param);
      case 'pipe': return validateType(this.evalPipeline(dot, arg.pipe), param);
      case 'identifier': return validateType(this.evalFunction(dot, arg.name, [arg], MISSING), param);
      case 'chain': return validateType(this.evalChain(dot, arg, [], MISSING), param);
      default: break;
    }
    if (param === 'string') {
      if (arg.type === 'string') return goString(arg.text);
      throw new TemplateError(`expected string; found ${arg.type}`);
    }
    switch (arg.type) {
      case 'bool': return goBool(arg.value);
      case 'number': return idealConstant(arg);
      case 'string': return goString(arg.text);
    }
  }
}

/** exec.go validateType, for the three parameter types the built-in functions declare. */
function validateType(value: Value, param: Param | undefined): Value {
  if (param !== 'string') return value;
  if (value === undefined) throw new TemplateError('invalid value; expected string');
  if (value.type === STRING) return value;
  if (value.type.kind === 'ptr' && value.type.elem === STRING) {
    const pointer = value.raw as { target: string } | null;
    if (pointer === null) throw new TemplateError('dereference of nil pointer of type string');
    return goString(pointer.target);
  }
  throw new TemplateError(`wrong type for value; expected string; got ${value.type.name}`);
}

function idealConstant(number: Extract<Arg, { type: 'number' }>): GoValue {
  if (number.isFloat && !number.text.startsWith('\'') && /[.eEpP]/.test(number.text)) return { type: FLOAT64, raw: number.value };
  if (number.isInt) return goInt(number.value);
  throw new TemplateError(`${number.text} overflows int`);
}

type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';
function basicKind(value: Value): BasicKind {
  if (value === undefined) return 'invalid';
  const kind = value.type.kind;
  return kind === 'bool' || kind === 'int' || kind === 'uint' || kind === 'float' || kind === 'string' ? kind : 'invalid';
}
const typeName = (value: Value): string => (value === undefined ? '<nil>' : value.type.name);

function isNilValue(value: Value): boolean {
  if (value === undefined) return true;
  return ['map', 'slice', 'ptr'].includes(value.type.kind) && value.raw === null;
}

/** funcs.go eq. */
function goEq(arg1: Value, others: readonly Value[]): boolean {
  if (others.length === 0) throw new TemplateError('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of others) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') truth = (arg1!.raw as number) === (arg!.raw as number);
      else if (k1 === 'uint' && k2 === 'int') truth = (arg1!.raw as number) === (arg!.raw as number);
      else if (arg1 !== undefined && arg !== undefined) throw new TemplateError(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg)}`);
    } else if (k1 !== 'invalid') {
      truth = arg1!.raw === arg!.raw;
    } else {
      if (arg1 !== undefined && arg !== undefined && arg1.type.kind !== arg.type.kind) {
        throw new TemplateError(`non-comparable types ${typeName(arg1)} and ${typeName(arg)}`);
      }
      if (isNilValue(arg1) || isNilValue(arg)) truth = isNilValue(arg1) === isNilValue(arg);
      else if (arg!.type.kind === 'ptr') truth = arg1!.raw === arg!.raw;
      else if (arg!.type.kind === 'struct') notPreviewable(`comparing the struct ${arg!.type.name}`);
      else throw new TemplateError(`non-comparable type ${typeName(arg)}`);
    }
    if (truth) return true;
  }
  return false;
}

/** funcs.go lt. */
function goLt(arg1: Value, arg2: Value): boolean {
  const k1 = basicKind(arg1);
  const k2 = basicKind(arg2);
  if (k1 === 'invalid' || k2 === 'invalid') throw new TemplateError('invalid type for comparison');
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return (arg1!.raw as number) < (arg2!.raw as number);
    if (k1 === 'uint' && k2 === 'int') return (arg1!.raw as number) < (arg2!.raw as number);
    throw new TemplateError(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg2)}`);
  }
  if (k1 === 'bool') throw new TemplateError('invalid type for comparison');
  if (k1 === 'string') return compareGoStrings(arg1!.raw as string, arg2!.raw as string) < 0;
  return (arg1!.raw as number) < (arg2!.raw as number);
}

function indexArg(index: Value, cap: number): number {
  if (index === undefined) throw new TemplateError('cannot index slice/array with nil');
  if (index.type.kind !== 'int' && index.type.kind !== 'uint') throw new TemplateError(`cannot index slice/array with type ${index.type.name}`);
  const x = index.raw as number;
  if (x < 0 || x > cap) throw new TemplateError(`index out of range: ${x}`);
  return x;
}

/** A byte range of a Go string; this port keeps strings as valid Unicode, so a cut inside a rune is refused. */
function byteSlice(text: string, from: number, to: number): string {
  const bytes = utf8(text);
  const isContinuation = (at: number) => at < bytes.length && (bytes[at] & 0xc0) === 0x80;
  if (isContinuation(from) || isContinuation(to)) notPreviewable(`cutting the string "${text}" inside a character`);
  return bytes.subarray(from, to).toString('utf8');
}

function callBuiltin(name: string, argv: Value[]): Value {
  switch (name) {
    case 'not': return goBool(!isTrue(argv[0]));
    case 'len': {
      if (argv[0] === undefined) throw new TemplateError('len of nil');
      const { value, isNil } = indirect(argv[0]);
      if (isNil) throw new TemplateError('len of nil pointer');
      const length = lengthOf(value);
      if (length === undefined) throw new TemplateError(`len of type ${value.type.name}`);
      return goInt(length);
    }
    case 'index': {
      if (argv[0] === undefined) throw new TemplateError('index of untyped nil');
      let item: GoValue = argv[0];
      for (const index of argv.slice(1)) {
        const { value, isNil } = indirect(item);
        if (isNil) throw new TemplateError('index of nil pointer');
        if (value.type.kind === 'string') {
          const bytes = utf8(value.raw as string);
          const x = indexArg(index, bytes.length);
          if (x >= bytes.length) throw new TemplateError(`index out of range: ${x}`);
          item = { type: UINT8, raw: bytes[x] };
        } else if (value.type.kind === 'slice') {
          const items = (value.raw as unknown[] | null) ?? [];
          const x = indexArg(index, items.length);
          if (x >= items.length) throw new TemplateError(`index out of range: ${x}`);
          item = { type: value.type.elem, raw: items[x] };
        } else if (value.type.kind === 'map') {
          if (index === undefined) throw new TemplateError('value is nil; should be of type string');
          if (index.type !== STRING) throw new TemplateError(`value has type ${index.type.name}; should be string`);
          const map = value.raw as Record<string, unknown> | null;
          const key = index.raw as string;
          const found = map !== null && Object.prototype.hasOwnProperty.call(map, key);
          item = { type: value.type.elem, raw: found ? map[key] : decodeJson(value.type.elem, undefined) };
        } else {
          throw new TemplateError(`can't index item of type ${value.type.name}`);
        }
      }
      return item;
    }
    case 'slice': {
      if (argv[0] === undefined) throw new TemplateError('slice of untyped nil');
      const { value, isNil } = indirect(argv[0]);
      if (isNil) throw new TemplateError('slice of nil pointer');
      const indexes = argv.slice(1);
      if (indexes.length > 3) throw new TemplateError(`too many slice indexes: ${indexes.length}`);
      if (value.type.kind === 'string') {
        if (indexes.length === 3) throw new TemplateError('cannot 3-index slice a string');
        const length = utf8(value.raw as string).length;
        const idx = [0, length];
        indexes.forEach((index, i) => { idx[i] = indexArg(index, length); });
        if (idx[0] > idx[1]) throw new TemplateError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
        return { type: value.type, raw: byteSlice(value.raw as string, idx[0], idx[1]) };
      }
      if (value.type.kind === 'slice') {
        // Go bounds a slice by its capacity, which encoding/json leaves unspecified past the length.
        if (indexes.length === 3) notPreviewable('a 3-index slice');
        const items = (value.raw as unknown[] | null) ?? [];
        const idx = [0, items.length];
        indexes.forEach((index, i) => {
          idx[i] = indexArg(index, Number.MAX_SAFE_INTEGER);
          if (idx[i] > items.length) notPreviewable('slicing past a slice\'s length');
        });
        if (idx[0] > idx[1]) throw new TemplateError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
        return { type: value.type, raw: value.raw === null && idx[1] === 0 ? null : items.slice(idx[0], idx[1]) };
      }
      throw new TemplateError(`can't slice item of type ${value.type.name}`);
    }
    case 'call': {
      if (argv[0] === undefined) throw new TemplateError('call of nil');
      throw new TemplateError(`non-function of type ${argv[0].type.name}`);
    }
    case 'print': return goString(sprint(argv));
    case 'println': return goString(`${argv.map((arg) => formatArg(arg, 'v', NO_FLAGS)).join(' ')}\n`);
    case 'printf': return goString(sprintf(argv[0]!.raw as string, argv.slice(1)));
    case 'html': return goString(htmlEscape(evalArgs(argv)));
    case 'js': return goString(jsEscape(evalArgs(argv)));
    case 'urlquery': return goString(queryEscape(evalArgs(argv)));
    case 'eq': return goBool(goEq(argv[0], argv.slice(1)));
    case 'ne': return goBool(!goEq(argv[0], [argv[1]]));
    case 'lt': return goBool(goLt(argv[0], argv[1]));
    case 'le': return goBool(goLt(argv[0], argv[1]) || goEq(argv[0], [argv[1]]));
    case 'gt': return goBool(!(goLt(argv[0], argv[1]) || goEq(argv[0], [argv[1]])));
    case 'ge': return goBool(!goLt(argv[0], argv[1]));
    default: throw new TemplateError(`function "${name}" not defined`);
  }
}

// ---- printing (exec.go printValue, fmt) ----------------------------------------------------------------

/** exec.go printValue: what {{ pipeline }} writes. */
function printValue(value: Value): string {
  if (value === undefined) return '<no value>';
  const { value: target, isNil } = value.type.kind === 'ptr' ? indirect(value) : { value, isNil: false };
  if (isNil) return '<nil>';
  return formatArg(target, 'v', NO_FLAGS);
}

/** funcs.go evalArgs, the text html, js and urlquery escape. */
function evalArgs(argv: Value[]): string {
  if (argv.length === 1 && argv[0]?.type === STRING) return argv[0].raw as string;
  const printable = argv.map((arg): Value | string => {
    if (arg === undefined) return '<no value>';
    if (arg.type.kind !== 'ptr') return arg;
    const { value, isNil } = indirect(arg);
    return isNil ? arg : value;
  });
  return sprint(printable.map((arg) => (typeof arg === 'string' ? goString(arg) : arg)));
}

interface FmtFlags { readonly minus: boolean; readonly zero: boolean; readonly width?: number; readonly precision?: number }
const NO_FLAGS: FmtFlags = { minus: false, zero: false };

/** fmt.Sprint: a space between operands when neither side is a string. */
function sprint(argv: readonly Value[]): string {
  let out = '';
  argv.forEach((arg, i) => {
    const isString = arg !== undefined && arg.type.kind === 'string';
    const previousIsString = i > 0 && argv[i - 1] !== undefined && argv[i - 1]!.type.kind === 'string';
    if (i > 0 && !isString && !previousIsString) out += ' ';
    out += formatArg(arg, 'v', NO_FLAGS);
  });
  return out;
}

/** fmt.Sprintf for the verbs v s d q x X t c, with the - and 0 flags, width and precision. */
function sprintf(format: string, argv: readonly Value[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent < 0) { out += format.slice(i); break; }
    out += format.slice(i, percent);
    i = percent + 1;
    let minus = false;
    let zero = false;
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') { minus = true; zero = false; } else if (c === '0') zero = !minus;
      else if (c === '+' || c === '#' || c === ' ') notPreviewable(`the printf flag "${c}"`);
      else break;
    }
    if (format[i] === '[' || format[i] === '*') notPreviewable('printf argument indexes and * widths');
    const digits = (): number | undefined => {
      const match = /^[0-9]+/.exec(format.slice(i));
      if (!match) return undefined;
      i += match[0].length;
      return Number(match[0]);
    };
    const width = digits();
    let precision: number | undefined;
    if (format[i] === '.') {
      i++;
      if (format[i] === '[' || format[i] === '*') notPreviewable('printf argument indexes and * precisions');
      precision = digits() ?? 0;
    }
    if (i >= format.length) { out += '%!(NOVERB)'; break; }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') { out += '%'; continue; }
    if (argNum >= argv.length) { out += `%!${verb}(MISSING)`; continue; }
    out += formatArg(argv[argNum++], verb, { minus, zero, width, precision });
  }
  if (argNum < argv.length) {
    out += `%!(EXTRA ${argv.slice(argNum).map((arg) => (arg === undefined ? '<nil>' : `${arg.type.name}=${formatArg(arg, 'v', NO_FLAGS)}`)).join(', ')})`;
  }
  return out;
}

/** fmt's padding: to the width in runes, with zeros on the left under the 0 flag. */
function pad(text: string, flags: FmtFlags): string {
  const width = flags.width ?? 0;
  const runes = [...text].length;
  if (runes >= width) return text;
  const fill = (flags.zero && !flags.minus ? '0' : ' ').repeat(width - runes);
  return flags.minus ? text + fill : fill + text;
}

/** fmt's badVerb; the value inside is printed with %v under the same width and flags. */
function badVerb(verb: string, value: Value, flags: FmtFlags): string {
  return value === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${value.type.name}=${formatArg(value, 'v', flags)})`;
}

/** fmt's printArg/printValue for one operand. */
function formatArg(value: Value, verb: string, flags: FmtFlags): string {
  if (value === undefined) return verb === 'v' ? pad('<nil>', flags) : badVerb(verb, value, flags);
  const type = value.type;
  switch (type.kind) {
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(value.raw), flags) : badVerb(verb, value, flags);
    case 'int': case 'uint':
      return formatInteger(value, value.raw as number, verb, flags);
    case 'float':
      if (verb === 'v' && flags.precision !== undefined) return notPreviewable('a float printed with a precision');
      if (verb === 'v') {
        const text = formatFloat(value.raw as number);
        // fmt puts the sign before the zeros of a zero-padded float.
        if (flags.zero && !flags.minus && flags.width !== undefined && text.startsWith('-')) return `-${text.slice(1).padStart(flags.width - 1, '0')}`;
        return pad(text, flags);
      }
      if (['b', 'g', 'G', 'x', 'X', 'f', 'F', 'e', 'E'].includes(verb)) return notPreviewable(`the verb %${verb} on a float`);
      return badVerb(verb, value, flags);
    case 'string':
      return formatString(value, value.raw as string, verb, flags);
    case 'map': {
      const map = (value.raw as Record<string, unknown> | null) ?? {};
      const entries = Object.keys(map).sort(compareGoStrings)
        .map((key) => `${formatArg(goString(key), verb, flags)}:${formatArg({ type: type.elem, raw: map[key] }, verb, flags)}`);
      return `map[${entries.join(' ')}]`;
    }
    case 'slice': {
      const items = (value.raw as unknown[] | null) ?? [];
      return `[${items.map((item) => formatArg({ type: type.elem, raw: item }, verb, flags)).join(' ')}]`;
    }
    case 'ptr':
      if (value.raw === null && verb === 'v') return pad('<nil>', flags);
      return notPreviewable(`printing the pointer ${type.name} with fmt`);
    case 'struct':
      return notPreviewable(`printing the struct ${type.name}`);
  }
}

function formatInteger(value: GoValue, n: number, verb: string, flags: FmtFlags): string {
  let digits: string;
  switch (verb) {
    case 'v': case 'd': digits = Math.abs(n).toString(10); break;
    case 'x': digits = Math.abs(n).toString(16); break;
    case 'X': digits = Math.abs(n).toString(16).toUpperCase(); break;
    case 'c': return pad(runeString(n), flags);
    case 'q': return pad(quoteRune(n), flags);
    default: return badVerb(verb, value, flags);
  }
  if (flags.precision !== undefined) {
    if (flags.precision === 0 && n === 0) digits = '';
    digits = digits.padStart(flags.precision, '0');
    const sign = n < 0 ? '-' : '';
    return pad(sign + digits, { ...flags, zero: false });
  }
  if (flags.zero && !flags.minus && flags.width !== undefined) {
    const sign = n < 0 ? '-' : '';
    return sign + digits.padStart(flags.width - sign.length, '0');
  }
  return pad((n < 0 ? '-' : '') + digits, flags);
}

function formatString(value: GoValue, text: string, verb: string, flags: FmtFlags): string {
  const truncated = flags.precision === undefined ? text : [...text].slice(0, flags.precision).join('');
  switch (verb) {
    case 'v': case 's': return pad(truncated, flags);
    case 'q': return pad(quoteString(truncated), flags);
    case 'x': case 'X': {
      let bytes = utf8(text);
      if (flags.precision !== undefined) bytes = bytes.subarray(0, flags.precision);
      const hex = bytes.toString('hex');
      return pad(verb === 'X' ? hex.toUpperCase() : hex, flags);
    }
    default: return badVerb(verb, value, flags);
  }
}

/** strconv.FormatFloat(f, 'g', -1, 64), fmt's %v: shortest digits, an exponent below 1e-4 and from 1e6. */
function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, exponentText] = f.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const digits = mantissa.replace('-', '').replace('.', '');
  const negative = f < 0 ? '-' : '';
  if (exponent < 0) return `${negative}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${negative}${digits}${'0'.repeat(exponent + 1 - digits.length)}`;
  return `${negative}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

function runeString(n: number): string {
  return n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff) ? '\ufffd' : String.fromCodePoint(n);
}

/** Go's unicode.IsPrint, for the characters templates meet here. */
function isPrintable(code: number): boolean {
  if (code < 0x20 || code === 0x7f) return false;
  if (code >= 0x80 && code < 0xa0) return false;
  if (code === 0xad) return false;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]|\u0020/u.test(String.fromCodePoint(code));
}

function escapeRune(code: number, quote: string): string {
  const char = String.fromCodePoint(code);
  if (char === quote || char === '\\') return `\\${char}`;
  if (isPrintable(code)) return char;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };
  if (named[code]) return named[code];
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** strconv.Quote. */
function quoteString(text: string): string {
  return `"${[...text].map((char) => escapeRune(char.codePointAt(0)!, '"')).join('')}"`;
}

/** strconv.QuoteRune. */
function quoteRune(n: number): string {
  const valid = !(n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff));
  return `'${escapeRune(valid ? n : 0xfffd, '\'')}'`;
}

/** text/template HTMLEscapeString. */
function htmlEscape(text: string): string {
  const replacements: Record<string, string> = { '\0': '\ufffd', '"': '&#34;', '\'': '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' };
  return text.replace(/["'&<>\0]/g, (c) => replacements[c]);
}

/** text/template JSEscapeString. */
function jsEscape(text: string): string {
  const replacements: Record<string, string> = {
    '\\': '\\\\', '\'': '\\\'', '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D',
  };
  return [...text].map((char) => {
    const code = char.codePointAt(0)!;
    if (replacements[char]) return replacements[char];
    if (code < 0x20) return `\\u00${code.toString(16).toUpperCase().padStart(2, '0')}`;
    if (code < 0x80) return char;
    return isPrintable(code) ? char : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }).join('');
}

/** net/url QueryEscape. */
function queryEscape(text: string): string {
  let out = '';
  for (const byte of utf8(text)) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char)) out += char;
    else if (char === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Executes a parsed template on the data built from `context`, as tmpl.Execute does; throws TemplateError. */
export function executeTemplate(template: ParsedTemplate, context: TemplateContext): string {
  const data = dataValue(context);
  try {
    return new Executor(data).run(template.root, data);
  } catch (error) {
    if (error instanceof BreakSignal || error instanceof ContinueSignal) throw new Error('break or continue escaped its range');
    throw error;
  }
}

// ---- previews ------------------------------------------------------------------------------------------

export interface SamplePod {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly uid?: string;
  readonly nodeName?: string;
  readonly nodeUid?: string;
  readonly nodeLabels?: Readonly<Record<string, string>>;
}

export interface TemplateData {
  readonly trustDomain: string;
  readonly clusterName: string;
  readonly clusterDomain: string;
  readonly pod: SamplePod;
}

/** The Pod and Node a sample pod stands for, in their Kubernetes JSON form. */
export function sampleContext(data: TemplateData): TemplateContext {
  const { pod } = data;
  const nodeName = pod.nodeName ?? 'node-1';
  return {
    trustDomain: data.trustDomain,
    clusterName: data.clusterName,
    clusterDomain: data.clusterDomain,
    pod: {
      metadata: {
        name: pod.name, namespace: pod.namespace, uid: pod.uid ?? '00000000-0000-0000-0000-000000000001',
        labels: { ...pod.labels }, annotations: { ...pod.annotations },
      },
      spec: { serviceAccountName: pod.serviceAccountName, nodeName },
    },
    node: {
      metadata: { name: nodeName, uid: pod.nodeUid ?? '00000000-0000-0000-0000-00000000000a', labels: { ...pod.nodeLabels } },
      spec: {},
    },
  };
}

/** Renders a template for a sample pod, as the manager would when it registers that pod. */
export function renderTemplate(template: ParsedTemplate | string, data: TemplateData): string {
  const parsed = typeof template === 'string' ? parseTemplate(template) : template;
  return executeTemplate(parsed, sampleContext(data));
}
