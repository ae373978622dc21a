/**
 * The subset of Go's text/template that spire-controller-manager accepts in ClusterSPIFFEID templates:
 * a parser that reports what the manager's webhook would reject (syntax) or what would fail when the
 * manager renders entries (unknown functions and fields), and an evaluator that previews what a sample
 * pod gets. Only Go's built-in functions exist there; sprig functions such as `default` do not.
 */

export const BUILTIN_FUNCTIONS = [
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery',
  'eq', 'ge', 'gt', 'le', 'lt', 'ne',
] as const;
export const TOP_LEVEL_FIELDS = ['TrustDomain', 'ClusterName', 'ClusterDomain', 'PodMeta', 'PodSpec', 'NodeMeta', 'NodeSpec'] as const;

/** Fields of the Go structs behind the template data that are worth templating on. */
export const STRUCT_FIELDS: Record<string, readonly string[]> = {
  ObjectMeta: ['Name', 'GenerateName', 'Namespace', 'UID', 'ResourceVersion', 'Generation', 'Labels', 'Annotations', 'OwnerReferences', 'Finalizers'],
  PodSpec: ['ServiceAccountName', 'NodeName', 'Hostname', 'Subdomain', 'SchedulerName', 'PriorityClassName', 'RuntimeClassName', 'HostNetwork'],
  NodeSpec: ['PodCIDR', 'PodCIDRs', 'ProviderID', 'Unschedulable'],
};
const TOP_LEVEL_TYPES: Record<string, string | undefined> = {
  PodMeta: 'ObjectMeta', NodeMeta: 'ObjectMeta', PodSpec: 'PodSpec', NodeSpec: 'NodeSpec',
};
const MAP_FIELDS = new Set(['Labels', 'Annotations']);

export class TemplateError extends Error {}

type Operand =
  | { readonly kind: 'field'; readonly path: readonly string[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'function'; readonly name: string }
  | { readonly kind: 'pipeline'; readonly pipeline: Pipeline };
type Command = readonly Operand[];
type Pipeline = readonly Command[];
type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pipeline: Pipeline }
  | { readonly kind: 'if' | 'with'; readonly pipeline: Pipeline; readonly then: Node[]; readonly otherwise: Node[] };

export interface ParsedTemplate {
  readonly source: string;
  readonly nodes: readonly Node[];
}

// ---- lexer ---------------------------------------------------------------------------------------------

type Token =
  | { readonly type: 'field'; readonly path: string[] }
  | { readonly type: 'ident'; readonly name: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'pipe' | 'lparen' | 'rparen' };

function lexAction(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '|') { tokens.push({ type: 'pipe' }); i++; continue; }
    if (c === '(') { tokens.push({ type: 'lparen' }); i++; continue; }
    if (c === ')') { tokens.push({ type: 'rparen' }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      let raw = '"';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') { raw += text[j]; j++; }
        raw += text[j];
        j++;
      }
      if (j >= text.length) throw new TemplateError('unterminated quoted string');
      tokens.push({ type: 'string', value: JSON.parse(raw + '"') as string });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw new TemplateError('unterminated raw quoted string');
      tokens.push({ type: 'string', value: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '.') {
      const match = /^(\.[A-Za-z_][A-Za-z0-9_]*)+|^\./.exec(text.slice(i))!;
      const path = match[0] === '.' ? [] : match[0].slice(1).split('.');
      i += match[0].length;
      if (i < text.length && !/[\s|()]/.test(text[i])) {
        const rest = /^\S*/.exec(text.slice(i))![0];
        if (text[i] === '-') {
          throw new TemplateError(`bad character "-" after .${path.join('.')} (label keys with dashes need index, e.g. index .PodMeta.Labels "${path[path.length - 1]}${rest}")`);
        }
        throw new TemplateError(`unexpected "${rest}" after .${path.join('.')}`);
      }
      tokens.push({ type: 'field', path });
      continue;
    }
    if (c === '$') throw new TemplateError('variables are not supported in identity templates');
    const number = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (number) { tokens.push({ type: 'number', value: Number(number[0]) }); i += number[0].length; continue; }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (ident) { tokens.push({ type: 'ident', name: ident[0] }); i += ident[0].length; continue; }
    throw new TemplateError(`unexpected character "${c}" in action`);
  }
  return tokens;
}

// ---- parser --------------------------------------------------------------------------------------------

function parsePipeline(tokens: Token[], start: number, closing: 'end' | 'rparen'): { pipeline: Pipeline; next: number } {
  const commands: Operand[][] = [[]];
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i];
    if (token.type === 'rparen') {
      if (closing !== 'rparen') throw new TemplateError('unexpected right paren');
      break;
    }
    if (token.type === 'pipe') {
      if (commands[commands.length - 1].length === 0) throw new TemplateError('missing command before |');
      commands.push([]);
      i++;
      continue;
    }
    const current = commands[commands.length - 1];
    if (token.type === 'lparen') {
      const inner = parsePipeline(tokens, i + 1, 'rparen');
      if (tokens[inner.next]?.type !== 'rparen') throw new TemplateError('unclosed left paren');
      current.push({ kind: 'pipeline', pipeline: inner.pipeline });
      i = inner.next + 1;
      continue;
    }
    if (token.type === 'field') current.push({ kind: 'field', path: token.path });
    else if (token.type === 'string') current.push({ kind: 'string', value: token.value });
    else if (token.type === 'number') current.push({ kind: 'number', value: token.value });
    else if (token.type !== 'ident') throw new TemplateError('unexpected token');
    else if (token.name === 'true' || token.name === 'false') current.push({ kind: 'bool', value: token.name === 'true' });
    else if (token.name === 'nil') throw new TemplateError('nil is not a command');
    else {
      if (!(BUILTIN_FUNCTIONS as readonly string[]).includes(token.name)) {
        throw new TemplateError(`function "${token.name}" not defined (only Go's built-in template functions exist: ${BUILTIN_FUNCTIONS.join(' ')})`);
      }
      if (current.length > 0) throw new TemplateError(`function "${token.name}" must start a command`);
      current.push({ kind: 'function', name: token.name });
    }
    i++;
  }
  if (closing === 'end' && i < tokens.length) throw new TemplateError('unexpected right paren');
  if (commands.some((command) => command.length === 0)) throw new TemplateError('missing value for command');
  return { pipeline: commands, next: i };
}

function checkFields(pipeline: Pipeline): void {
  for (const command of pipeline) {
    for (const operand of command) {
      if (operand.kind === 'pipeline') checkFields(operand.pipeline);
      if (operand.kind !== 'field' || operand.path.length === 0) continue;
      const [top, ...rest] = operand.path;
      if (!(TOP_LEVEL_FIELDS as readonly string[]).includes(top)) {
        throw new TemplateError(`unknown field .${top} (the template data has ${TOP_LEVEL_FIELDS.map((f) => `.${f}`).join(' ')})`);
      }
      const type = TOP_LEVEL_TYPES[top];
      if (rest.length > 0 && type === undefined) throw new TemplateError(`.${top} is a string and has no field .${rest[0]}`);
      if (rest.length > 0 && type && !STRUCT_FIELDS[type].includes(rest[0])) {
        throw new TemplateError(`.${top} has no field .${rest[0]}`);
      }
      if (rest.length > 2 || (rest.length === 2 && !MAP_FIELDS.has(rest[0]))) {
        throw new TemplateError(`.${operand.path.join('.')} goes deeper than the template data`);
      }
    }
  }
}

/** Parses a template the way the manager does, plus its field checks; throws TemplateError. */
export function parseTemplate(source: string): ParsedTemplate {
  const root: Node[] = [];
  const stack: { node: { kind: 'if' | 'with'; pipeline: Pipeline; then: Node[]; otherwise: Node[] }; inElse: boolean }[] = [];
  const target = (): Node[] => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.node.otherwise : top.node.then) : root;
  };
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) { target().push({ kind: 'text', text: source.slice(i) }); break; }
    let text = source.slice(i, open);
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('unclosed action');
    let inner = source.slice(open + 2, close);
    if (inner.startsWith('- ')) { text = text.trimEnd(); inner = inner.slice(2); }
    let after = close + 2;
    if (inner.endsWith(' -')) {
      inner = inner.slice(0, -2);
      while (after < source.length && /\s/.test(source[after])) after++;
    }
    if (text) target().push({ kind: 'text', text });
    i = after;
    const body = inner.trim();
    if (body.startsWith('/*')) continue;
    if (body === '') throw new TemplateError('missing value for command');
    const tokens = lexAction(body);
    const head = tokens[0];
    if (head.type === 'ident' && (head.name === 'if' || head.name === 'with')) {
      const { pipeline } = parsePipeline(tokens, 1, 'end');
      if (pipeline.length === 0 || pipeline[0].length === 0) throw new TemplateError(`missing value for ${head.name}`);
      checkFields(pipeline);
      const node = { kind: head.name as 'if' | 'with', pipeline, then: [] as Node[], otherwise: [] as Node[] };
      target().push(node);
      stack.push({ node, inElse: false });
      continue;
    }
    if (head.type === 'ident' && head.name === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.inElse || tokens.length > 1) throw new TemplateError('unexpected {{else}}');
      top.inElse = true;
      continue;
    }
    if (head.type === 'ident' && head.name === 'end') {
      if (!stack.pop() || tokens.length > 1) throw new TemplateError('unexpected {{end}}');
      continue;
    }
    if (head.type === 'ident' && ['range', 'define', 'template', 'block', 'break', 'continue'].includes(head.name)) {
      throw new TemplateError(`{{${head.name}}} is not supported in identity templates`);
    }
    const { pipeline } = parsePipeline(tokens, 0, 'end');
    checkFields(pipeline);
    target().push({ kind: 'action', pipeline });
  }
  if (stack.length > 0) throw new TemplateError(`unexpected EOF: {{${stack[stack.length - 1].node.kind}}} has no {{end}}`);
  return { source, nodes: root };
}

// ---- evaluator -----------------------------------------------------------------------------------------

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

const NO_VALUE = Symbol('no value');
type Value = string | number | boolean | undefined | typeof NO_VALUE | { readonly [key: string]: Value };

function dataRoot(data: TemplateData): Record<string, Value> {
  const { pod } = data;
  return {
    TrustDomain: data.trustDomain,
    ClusterName: data.clusterName,
    ClusterDomain: data.clusterDomain,
    PodMeta: {
      Name: pod.name, Namespace: pod.namespace, UID: pod.uid ?? '00000000-0000-0000-0000-000000000001',
      Labels: { ...pod.labels }, Annotations: { ...pod.annotations },
    },
    PodSpec: { ServiceAccountName: pod.serviceAccountName, NodeName: pod.nodeName ?? 'node-1' },
    NodeMeta: {
      Name: pod.nodeName ?? 'node-1', UID: pod.nodeUid ?? '00000000-0000-0000-0000-00000000000a', Labels: { ...pod.nodeLabels },
    },
    NodeSpec: {},
  };
}

function show(value: Value): string {
  if (value === NO_VALUE) return '<no value>';
  if (value === undefined) return '';
  if (typeof value === 'object') return `map[${Object.keys(value).sort().map((k) => `${k}:${show(value[k])}`).join(' ')}]`;
  return String(value);
}

function truthy(value: Value): boolean {
  if (value === NO_VALUE || value === undefined) return false;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function printf(format: string, args: Value[]): string {
  let next = 0;
  return format.replace(/%([svdq%])/g, (_match, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[next++];
    if (verb === 'q') return JSON.stringify(show(arg));
    return show(arg);
  });
}

function callFunction(name: string, args: Value[]): Value {
  switch (name) {
    case 'print': return args.map(show).join('');
    case 'println': return args.map(show).join(' ') + '\n';
    case 'printf': return printf(show(args[0]), args.slice(1));
    case 'index': {
      let value = args[0];
      for (const key of args.slice(1)) {
        if (typeof value !== 'object') throw new TemplateError(`can't index item of type ${typeof value}`);
        value = value[show(key)] ?? '';
      }
      return value;
    }
    case 'len': {
      const value = args[0];
      if (typeof value === 'string') return value.length;
      if (typeof value === 'object') return Object.keys(value).length;
      throw new TemplateError('len of a value that has no length');
    }
    case 'not': return !truthy(args[0]);
    case 'and': return args.find((arg) => !truthy(arg)) ?? args[args.length - 1];
    case 'or': return args.find((arg) => truthy(arg)) ?? args[args.length - 1];
    case 'eq': return args.slice(1).some((arg) => show(arg) === show(args[0]));
    case 'ne': return show(args[0]) !== show(args[1]);
    case 'lt': return show(args[0]) < show(args[1]);
    case 'le': return show(args[0]) <= show(args[1]);
    case 'gt': return show(args[0]) > show(args[1]);
    case 'ge': return show(args[0]) >= show(args[1]);
    case 'urlquery': return encodeURIComponent(args.map(show).join('')).replace(/%20/g, '+');
    case 'html': return args.map(show).join('').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    case 'js': return args.map(show).join('').replace(/[\\'"<>&=]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    case 'slice': {
      const text = show(args[0]);
      const from = Number(args[1] ?? 0);
      const to = args[2] === undefined ? text.length : Number(args[2]);
      return text.slice(from, to);
    }
    default: throw new TemplateError(`function "${name}" cannot be previewed`);
  }
}

function evalOperand(operand: Operand, root: Record<string, Value>): Value {
  switch (operand.kind) {
    case 'string': case 'number': case 'bool': return operand.value;
    case 'pipeline': return evalPipeline(operand.pipeline, root);
    case 'function': return callFunction(operand.name, []);
    case 'field': {
      let value: Value = root;
      for (const name of operand.path) {
        if (typeof value !== 'object') return NO_VALUE;
        value = name in value ? value[name] : NO_VALUE;
      }
      return value;
    }
  }
}

function evalPipeline(pipeline: Pipeline, root: Record<string, Value>): Value {
  let piped: Value | undefined;
  let first = true;
  for (const command of pipeline) {
    const [head, ...rest] = command;
    if (head.kind === 'function') {
      const args = rest.map((operand) => evalOperand(operand, root));
      if (!first) args.push(piped);
      piped = callFunction(head.name, args);
    } else {
      if (rest.length > 0) throw new TemplateError(`can't give argument to non-function ${show(evalOperand(head, root))}`);
      if (!first) throw new TemplateError('a value cannot receive a pipeline');
      piped = evalOperand(head, root);
    }
    first = false;
  }
  return piped;
}

function render(nodes: readonly Node[], root: Record<string, Value>): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'action') out += show(evalPipeline(node.pipeline, root));
    else out += render(truthy(evalPipeline(node.pipeline, root)) ? node.then : node.otherwise, root);
  }
  return out;
}

/** Renders a template for a sample pod, as the manager would when it registers that pod. */
export function renderTemplate(template: ParsedTemplate | string, data: TemplateData): string {
  const parsed = typeof template === 'string' ? parseTemplate(template) : template;
  return render(parsed.nodes, dataRoot(data));
}
