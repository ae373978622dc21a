/**
 * Generated ClusterSPIFFEID templates and pod contexts for the differential test against Go's
 * text/template (test/template-differential.test.ts). The generator is a seeded PRNG walking a small
 * grammar of Go template constructs, plus fixed cases for each semantic the previews must get right;
 * the same seed always yields the same cases.
 */
import { TemplateContext } from '../../lib/identity/template';
import { seededRandom } from './seeded-random';

/** Pods and nodes that differ where templates can tell: nil and empty maps, unicode, numbers, pointers. */
export const CONTEXTS: readonly TemplateContext[] = [
  {
    trustDomain: 'prod.spire.acme.example', clusterName: 'prod-euw1', clusterDomain: 'cluster.local',
    pod: {
      metadata: {
        name: 'web-7d9f', generateName: 'web-', namespace: 'shop', uid: '6f1c0a52-1b7e-4a59-9d55-5c1f0b1e9a01', resourceVersion: '4711', generation: 3,
        labels: { app: 'web', 'app.kubernetes.io/name': 'web', tier: 'frontend', zeta: '' },
        annotations: { 'spiffe.io/alias': 'storefront', note: 'a "quoted" <value> & more' },
        finalizers: ['example.com/keep', 'b'],
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f', uid: 'rs-1', controller: true }],
      },
      spec: {
        serviceAccountName: 'web', nodeName: 'ip-10-0-1-7', hostname: 'web-0', subdomain: 'web', schedulerName: 'default-scheduler',
        priorityClassName: 'high', runtimeClassName: 'gvisor', hostNetwork: false,
      },
    },
    node: {
      metadata: { name: 'ip-10-0-1-7', uid: '0a6e5d3c-1111-2222-3333-444455556666', labels: { 'topology.kubernetes.io/zone': 'euw1-az1', pool: 'general' } },
      spec: { podCIDR: '10.0.1.0/24', podCIDRs: ['10.0.1.0/24', 'fd00::/64'], providerID: 'aws:///euw1-az1/i-0abc', unschedulable: false },
    },
  },
  {
    // Nothing optional set: nil maps, nil slices, nil pointers, zero numbers and empty strings.
    trustDomain: 'dev.example', clusterName: 'dev', clusterDomain: '',
    pod: { metadata: { name: 'bare', namespace: 'default' }, spec: {} },
    node: { metadata: { name: 'n0' }, spec: {} },
  },
  {
    // Empty (not nil) maps and slices, unicode text, a host-network pod on an unschedulable node.
    trustDomain: 'staging.example', clusterName: 'stg-ünï', clusterDomain: 'k8s.internal',
    pod: {
      metadata: {
        name: 'zähler-0', namespace: '日本', uid: 'u-2', generation: 12, labels: {}, annotations: { 'ключ': 'значение', emoji: 'ok' },
        finalizers: [], ownerReferences: [],
      },
      spec: { serviceAccountName: 'sa-ß', nodeName: 'node-β', hostNetwork: true, runtimeClassName: '' },
    },
    node: { metadata: { name: 'node-β', uid: 'nu-3', labels: {}, annotations: {} }, spec: { podCIDRs: [], unschedulable: true } },
  },
  {
    // Label values that look like numbers and booleans, keys that sort differently as bytes and UTF-16.
    trustDomain: 'prod.spire.acme.example', clusterName: 'prod-use1', clusterDomain: 'cluster.local',
    pod: {
      metadata: {
        name: 'batch-42', namespace: 'jobs', uid: '00000000-0000-0000-0000-000000000042', generation: -1,
        labels: { app: 'batch', '10': 'ten', '9': 'nine', B: 'upper', a: 'lower', 'é': 'e-acute', '\uff01': 'fullwidth', true: 'false' },
        annotations: { 'spiffe.io/alias': '', ctrl: 'line\nbreak\ttab\u0001\u007f\u00a0=\\' },
      },
      spec: { serviceAccountName: 'batch', nodeName: 'ip-10-9-0-1', schedulerName: 'volcano' },
    },
    node: { metadata: { name: 'ip-10-9-0-1', uid: 'n-42', labels: { pool: 'spot' } }, spec: { podCIDR: '10.9.0.0/24' } },
  },
];

const SCALAR_FIELDS = [
  '.TrustDomain', '.ClusterName', '.ClusterDomain',
  '.PodMeta.Name', '.PodMeta.GenerateName', '.PodMeta.Namespace', '.PodMeta.UID', '.PodMeta.ResourceVersion', '.PodMeta.Generation',
  '.PodSpec.ServiceAccountName', '.PodSpec.NodeName', '.PodSpec.Hostname', '.PodSpec.Subdomain', '.PodSpec.SchedulerName',
  '.PodSpec.PriorityClassName', '.PodSpec.RuntimeClassName', '.PodSpec.HostNetwork',
  '.NodeMeta.Name', '.NodeMeta.Namespace', '.NodeMeta.UID', '.NodeMeta.Generation',
  '.NodeSpec.PodCIDR', '.NodeSpec.ProviderID', '.NodeSpec.Unschedulable',
];
// OwnerReferences is left to range (over its elements' fields): printing its structs is not previewed.
const COLLECTION_FIELDS = [
  '.PodMeta.Labels', '.PodMeta.Annotations', '.PodMeta.Finalizers',
  '.NodeMeta.Labels', '.NodeMeta.Annotations', '.NodeMeta.Finalizers', '.NodeSpec.PodCIDRs',
];
const MAP_KEYS_AS_FIELDS = ['.PodMeta.Labels.app', '.PodMeta.Labels.tier', '.PodMeta.Labels.missing', '.PodMeta.Labels.zeta', '.NodeMeta.Labels.pool', '.PodMeta.Annotations.note', '.PodMeta.Annotations.ctrl', '.PodMeta.Labels.missing.deeper'];
const BAD_FIELDS = ['.Pod', '.PodMeta.Nope', '.TrustDomain.Name', '.PodSpec.ServiceAccountName.x', '.NodeSpec.PodCIDRs.x', '.PodMeta.name'];
const MAP_KEYS = ['"app"', '"app.kubernetes.io/name"', '"missing"', '"zeta"', '"é"', '"10"', '"true"', '`tier`', '"spiffe.io/alias"', '"pool"', '"topology.kubernetes.io/zone"', '"ключ"', '"ctrl"'];
const STRINGS = ['"web"', '"shop"', '""', '"a"', '"Z"', '"é"', '"10"', '"9"', '`raw\\n`', '"tab\\tquote\\"x"', '"\\u00e9"', '"日本"'];
const NUMBERS = ['0', '1', '2', '3', '-1', '12', '1.5', '-0.5', '2.0', '\'a\'', '7'];
const FORMATS = [
  '"%s"', '"%d"', '"%v"', '"%q"', '"%x"', '"%X"', '"%t"', '"%c"', '"%5s"', '"%-6s|"', '"%05d"', '"%.2s"', '"%3d"', '"%-4v|"',
  '"%s-%s"', '"%s/%d"', '"%v %v %v"', '"%%%s"', '"%s"', '"%.1q"', '"%08v"', '"%!"', '"%"', '"no verbs"', '"%.0d"', '"%x-%X"',
];
const FUNCTIONS_OF_ONE = ['len', 'not', 'print', 'println', 'html', 'js', 'urlquery', 'printf "%v"', 'index', 'slice'];
const COMPARISONS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

/** One generated template with the construct it was built around, for the failure listing. */
export interface TemplateCase { readonly template: string; readonly construct: string }

class Generator {
  private variables: string[] = [];
  /** Whether dot is still the whole template data (printing that is not previewed, so it is rare). */
  private dotIsData = true;

  constructor(private readonly random: () => number) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }
  private chance(p: number): boolean { return this.random() < p; }

  /** An operand: a field, literal, variable, or a parenthesized pipeline. */
  operand(depth: number): string {
    const options: (() => string)[] = [
      () => this.pick(SCALAR_FIELDS),
      () => this.pick(SCALAR_FIELDS),
      () => this.pick(COLLECTION_FIELDS),
      () => this.pick(MAP_KEYS_AS_FIELDS),
      () => this.pick(STRINGS),
      () => this.pick(NUMBERS),
      () => this.pick(['true', 'false', 'nil']),
      () => (this.dotIsData && this.chance(0.9) ? '.ClusterDomain' : '.'),
      () => (this.variables.length > 0 ? this.pick(this.variables) : '$.ClusterName'),
      () => `$${this.pick(SCALAR_FIELDS)}`,
    ];
    if (depth > 0) options.push(() => `(${this.pipeline(depth - 1)})`, () => `(${this.pipeline(depth - 1)})`);
    return this.pick(options)();
  }

  /** A command: a function call or a single operand. */
  command(depth: number): string {
    const choice = Math.floor(this.random() * 11);
    switch (choice) {
      case 0: return `index ${this.pick(['.PodMeta.Labels', '.PodMeta.Annotations', '.NodeMeta.Labels', '.NodeMeta.Annotations'])} ${this.pick(MAP_KEYS)}`;
      case 1: return `index ${this.pick([...COLLECTION_FIELDS, ...SCALAR_FIELDS])} ${this.chance(0.5) ? this.pick(NUMBERS) : this.pick(MAP_KEYS)}`;
      case 2: return `${this.pick(COMPARISONS)} ${this.operand(depth)} ${this.operand(depth)}${this.chance(0.2) ? ` ${this.operand(depth)}` : ''}`;
      case 3: return `${this.pick(['and', 'or'])} ${this.operand(depth)} ${this.operand(depth)}${this.chance(0.3) ? ` ${this.operand(depth)}` : ''}`;
      case 4: return `printf ${this.pick(FORMATS)}${' x'.repeat(Math.floor(this.random() * 3)).replace(/x/g, () => this.operand(depth))}`;
      case 5: return `${this.pick(FUNCTIONS_OF_ONE)} ${this.operand(depth)}`;
      case 6: return `slice ${this.pick(['.PodMeta.Name', '.ClusterName', '.PodMeta.UID', '.PodMeta.Namespace', '.NodeSpec.PodCIDRs', '"abcdef"'])} ${this.pick(['0', '1', '2', '4', '-1', '"1"'])}${this.chance(0.5) ? ` ${this.pick(['2', '3', '5', '1', '40'])}` : ''}`;
      case 7: return `${this.pick(['print', 'println', 'html', 'urlquery', 'js'])} ${this.operand(depth)} ${this.operand(depth)}`;
      case 8: return `len ${this.pick([...COLLECTION_FIELDS, ...SCALAR_FIELDS, ...STRINGS])}`;
      case 9: return `not ${this.operand(depth)}`;
      default: return this.operand(depth);
    }
  }

  /** A pipeline of one to three commands; later stages get the previous value as their last argument. */
  pipeline(depth: number): string {
    const commands = [this.command(depth)];
    if (this.chance(0.3)) {
      commands.push(this.pick(['printf "%s"', 'printf "[%v]"', 'len', 'print', 'urlquery', 'html', 'not', 'eq "web"', 'lt 3', 'index .PodMeta.Labels', 'and 1', 'or ""', 'js', 'slice "abcd" 1', 'printf "%d"']));
    }
    if (this.chance(0.1)) commands.push(this.pick(['print', 'len', 'printf "<%q>"']));
    return commands.join(' | ');
  }

  /** A template body: text and actions, control structures nested to `depth`. */
  body(depth: number): string {
    const parts: string[] = [];
    const count = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < count; i++) parts.push(this.segment(depth));
    return parts.join(this.pick(['', '/', '-', ' ', '\n']));
  }

  private action(inner: string): string {
    const left = this.chance(0.2) ? '{{- ' : this.pick(['{{', '{{ ']);
    const right = this.chance(0.2) ? ' -}}' : this.pick(['}}', ' }}']);
    return `${left}${inner}${right}`;
  }

  segment(depth: number): string {
    const choice = depth > 0 ? Math.floor(this.random() * 12) : Math.floor(this.random() * 4);
    switch (choice) {
      case 0: case 1: return this.action(this.pipeline(1));
      case 2: return this.pick(['spiffe://', 'ns/', ' text ', '\n  ', 'x', '']);
      case 3: return this.action(`/* ${this.pick(['note', 'a comment', ''])} */`).replace('{{ /*', '{{/*').replace('*/ }}', '*/}}');
      case 4: {
        const elseIf = this.chance(0.4) ? `${this.action(`else if ${this.pipeline(0)}`)}${this.body(depth - 1)}` : '';
        const otherwise = this.chance(0.5) ? `${this.action('else')}${this.body(depth - 1)}` : '';
        return `${this.action(`if ${this.pipeline(1)}`)}${this.body(depth - 1)}${elseIf}${otherwise}${this.action('end')}`;
      }
      case 5: {
        const target = this.pick([...SCALAR_FIELDS, ...COLLECTION_FIELDS, ...MAP_KEYS_AS_FIELDS, '.PodMeta', '.NodeSpec']);
        const variable = this.chance(0.3) ? `$w${depth} := ` : '';
        if (variable) this.variables.push(`$w${depth}`);
        const outerDot = this.dotIsData;
        this.dotIsData = false;
        const inner = this.chance(0.5) ? this.action(this.pick(['.', 'len .', '.Name', 'printf "%v" .', 'index . "app"', 'eq . "web"'])) : this.body(depth - 1);
        this.dotIsData = outerDot;
        if (variable) this.variables.pop();
        const elseWith = this.chance(0.3) ? `${this.action(`else with ${this.pick(SCALAR_FIELDS)}`)}${this.action('.')}` : '';
        const otherwise = this.chance(0.4) ? `${this.action('else')}${this.body(depth - 1)}` : '';
        return `${this.action(`with ${variable}${target}`)}${inner}${elseWith}${otherwise}${this.action('end')}`;
      }
      case 6: {
        const target = this.pick([...COLLECTION_FIELDS, '.PodMeta.OwnerReferences', '3', '0', '.PodMeta.Generation', '.PodMeta.Name', '.PodMeta.Labels.missing', '.PodSpec.RuntimeClassName']);
        const decl = this.pick(['', '$v := ', '$k, $v := ', '$i, $e := ']);
        const names = decl.match(/\$[a-z]/g) ?? [];
        this.variables.push(...names);
        const outerDot = this.dotIsData;
        this.dotIsData = false;
        const inner = this.chance(0.6)
          ? this.action(this.pick(['.', ...names, 'printf "%v;" .', 'len .', '.Kind', '.Name']))
          : this.body(depth - 1);
        this.dotIsData = outerDot;
        const control = this.chance(0.2) ? this.action(`if ${this.pick(['eq . "web"', 'not .', '$.PodSpec.HostNetwork'])}`) + this.action(this.pick(['break', 'continue'])) + this.action('end') : '';
        this.variables.splice(this.variables.length - names.length, names.length);
        const otherwise = this.chance(0.3) ? `${this.action('else')}empty` : '';
        return `${this.action(`range ${decl}${target}`)}${control}${inner}${otherwise}${this.action('end')}`;
      }
      case 7: {
        const name = `$x${depth}`;
        this.variables.push(name);
        const declaration = this.action(`${name} := ${this.pipeline(1)}`);
        const assignment = this.chance(0.3) ? this.action(`${name} = ${this.pick(STRINGS)}`) : '';
        const rest = this.body(depth - 1);
        this.variables.pop();
        return `${declaration}${assignment}${rest}${this.action(name)}`;
      }
      case 8: return this.action(`${this.pick(['and', 'or'])} (${this.pipeline(0)}) (${this.pipeline(0)})`);
      case 9: return this.action(`${this.pick(COMPARISONS)} ${this.pick([...SCALAR_FIELDS, ...STRINGS, ...NUMBERS, ...MAP_KEYS_AS_FIELDS])} ${this.pick([...SCALAR_FIELDS, ...STRINGS, ...NUMBERS, ...MAP_KEYS_AS_FIELDS])}`);
      case 10: return this.action(this.pick(BAD_FIELDS));
      default: return this.action(`printf ${this.pick(FORMATS)} ${this.operand(0)} ${this.operand(0)}`);
    }
  }
}

/** Ways a template goes wrong before it runs: unclosed actions, unknown functions, stray keywords. */
function breakSyntax(template: string, random: () => number): { template: string; construct: string } {
  const mutations: [string, (text: string) => string][] = [
    ['unclosed action', (text) => `${text}{{ .PodMeta.Name`],
    ['unknown function', (text) => `${text}{{ default "x" .ClusterName }}`],
    ['unknown function', (text) => `{{ upper .PodMeta.Name }}${text}`],
    ['stray end', (text) => `${text}{{ end }}`],
    ['missing end', (text) => `{{ if .PodMeta.Name }}${text}`],
    ['stray else', (text) => `${text}{{ else }}`],
    ['unterminated string', (text) => `${text}{{ "abc }}`],
    ['dash in field name', (text) => `${text}{{ .PodMeta.Labels.app-name }}`],
    ['empty action', (text) => `${text}{{ }}`],
    ['unclosed paren', (text) => `${text}{{ (len .PodMeta.Labels }}`],
    ['undefined variable', (text) => `${text}{{ $undefined }}`],
    ['literal in pipeline', (text) => `${text}{{ .PodMeta.Name | "x" }}`],
    ['break outside range', (text) => `${text}{{ break }}`],
    ['else with in if', (text) => `{{ if .ClusterName }}a{{ else with .ClusterName }}b{{ end }}${text}`],
    ['unclosed comment', (text) => `${text}{{/* never closed`],
    ['bad number', (text) => `${text}{{ 1x }}`],
    ['dropped closing braces', (text) => text.replace('}}', '')],
  ];
  const [construct, mutate] = mutations[Math.floor(random() * mutations.length)];
  return { template: mutate(template), construct: `parse error: ${construct}` };
}

/** Hand-written cases: one or more for each semantic the previews must match, whatever the seed. */
export const FIXED_CASES: readonly TemplateCase[] = [
  ['spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}', 'typical SPIFFE ID'],
  ['{{ with .PodMeta }}{{ .Name }}.{{ .Namespace }}{{ end }}', 'with rebinds dot'],
  ['{{ with .PodMeta.Labels.missing }}has{{ else }}none{{ end }}', 'with on a missing key'],
  ['{{ with .PodMeta.Labels.missing }}a{{ else with .PodMeta.Labels.app }}{{ . }}{{ else }}c{{ end }}', 'else with'],
  ['{{ if eq .PodMeta.Namespace "x" }}1{{ else if eq .PodMeta.Namespace "shop" }}2{{ else }}3{{ end }}', 'else if'],
  ['{{ lt .PodMeta.Name "m" }} {{ gt "10" "9" }} {{ lt "B" "a" }}', 'lt/gt compare strings bytewise'],
  ['{{ eq 1 "1" }}', 'eq on int and string errors'],
  ['{{ eq .PodMeta.Generation 3 }}', 'eq on int64 and int'],
  ['{{ lt 1 1.5 }}', 'lt on int and float errors'],
  ['{{ eq .PodMeta.Labels.missing "x" }}', 'eq with a missing value'],
  ['{{ eq .PodMeta.Labels .NodeMeta.Labels }}', 'eq on maps'],
  ['{{ eq .PodMeta .PodMeta }}', 'eq on pointers'],
  ['{{ printf "%s|%d|%v|%q|%x|%5s|%-5s|%05d" .PodMeta.Name .PodMeta.Generation .PodMeta.Labels .PodMeta.Name .PodMeta.Name "ab" "ab" 42 }}', 'printf verbs'],
  ['{{ printf "%d %s" "a" 1 }}{{ printf "%s %s" "a" }}{{ printf "%s" "a" "b" }}', 'printf bad verbs, missing and extra'],
  ['{{ .PodMeta.Labels.missing }}|{{ index .PodMeta.Labels "missing" }}|{{ print .PodMeta.Labels.missing }}', 'missing key'],
  ['{{ .NodeMeta.Annotations }}|{{ len .NodeMeta.Annotations }}|{{ .NodeMeta.Annotations.x }}', 'nil map'],
  ['a  {{- .ClusterName -}}  b {{- " c " }} {{ "d" -}}\n e', 'trim markers'],
  ['{{- /* comment */ -}} x {{/* another */}}y', 'comments'],
  ['{{ $ns := .PodMeta.Namespace }}{{ $ns }}{{ $ns = "other" }}/{{ $ns }}', 'variables'],
  ['{{ range $k, $v := .PodMeta.Labels }}{{ $k }}={{ $v }};{{ else }}none{{ end }}', 'range over a map'],
  ['{{ range $i, $f := .PodMeta.Finalizers }}{{ $i }}:{{ $f }} {{ end }}', 'range over a slice'],
  ['{{ range 3 }}{{ . }}{{ end }}', 'range over an int'],
  ['{{ range .PodMeta.Labels }}{{ if eq . "web" }}{{ continue }}{{ end }}{{ . }},{{ end }}', 'range with continue'],
  ['{{ range .PodMeta.Labels }}{{ if eq . "frontend" }}{{ break }}{{ end }}{{ . }},{{ end }}', 'range with break'],
  ['{{ .PodMeta.Name | printf "%s-x" | len }}', 'pipelines'],
  ['{{ and .PodMeta.Name .PodMeta.Labels.missing "c" }}|{{ or "" 0 .ClusterName }}|{{ not .PodSpec.HostNetwork }}', 'and/or/not'],
  ['{{ len .PodMeta.Name }} {{ len .PodMeta.Labels }} {{ len .NodeSpec.PodCIDRs }}', 'len'],
  ['{{ index .PodMeta.Labels "app.kubernetes.io/name" }} {{ index .PodMeta.Annotations "spiffe.io/alias" }}', 'index on labels and annotations'],
  ['{{ index .PodMeta.Name 1 }} {{ slice .PodMeta.Name 1 3 }}', 'index and slice on strings'],
  ['{{ .PodSpec.RuntimeClassName }}', 'nil or set pointer'],
  ['{{ html .PodMeta.Annotations.note }} {{ js .PodMeta.Annotations.note }} {{ urlquery .PodMeta.Annotations.note }}', 'escapers'],
  ['{{ .PodMeta.Name "arg" }}', 'field given an argument'],
  ['{{ .PodMeta.Nope }}', 'unknown field at run time'],
  ['{{ if false }}{{ .PodMeta.Nope }}{{ end }}ok', 'unknown field in a branch never taken'],
  ['{{ (.PodMeta).Name }} {{ $.PodMeta.Name }}', 'chains and $'],
  ['{{ nil }}', 'nil is not a command'],
  ['{{ call .PodMeta.Name }}', 'call of a non-function'],
  ['{{ range .PodMeta.Name }}x{{ end }}', 'range over a string errors'],
  ['{{ printf "%v %v %v %v" 1.5 -0.5 2.0 \'a\' }}', 'float and rune constants'],
].map(([template, construct]) => ({ template, construct }));

/** FIXED_CASES then `count` generated templates; a tenth of the generated ones get a syntax error. */
export function generateTemplates(seed: number, count: number): TemplateCase[] {
  const random = seededRandom(seed);
  const generator = new Generator(random);
  const cases: TemplateCase[] = [...FIXED_CASES];
  for (let i = 0; i < count; i++) {
    const template = generator.body(2);
    if (random() < 0.1) cases.push(breakSyntax(template, random));
    else cases.push({ template, construct: 'generated' });
  }
  return cases;
}
