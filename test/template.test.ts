/**
 * Focused cases for each Go text/template semantic the previews once got wrong. The expected values are
 * what Go's text/template gives (test/go/template-oracle printed them); the differential test
 * (template-differential.test.ts) checks the same evaluator against Go on generated cases.
 */
import {
  TemplateContext, TemplateError, TemplateNotPreviewable, executeTemplate, parseGoTemplate, parseTemplate, renderTemplate,
} from '../lib/identity/template';

const context: TemplateContext = {
  trustDomain: 'prod.example', clusterName: 'prod-euw1', clusterDomain: 'cluster.local',
  pod: {
    metadata: { name: 'web-0', namespace: 'shop', labels: { app: 'web', 'app.kubernetes.io/name': 'web' }, annotations: {} },
    spec: { serviceAccountName: 'web' },
  },
  node: { metadata: { name: 'n1' }, spec: {} },
};
const run = (template: string): string => executeTemplate(parseGoTemplate(template), context);

describe('Go text/template semantics of the previews', () => {
  test.each([
    ['with rebinds dot', '{{ with .PodMeta }}{{ .Namespace }}/{{ .Name }}{{ end }}', 'shop/web-0'],
    ['with on a present key', '{{ with .PodMeta.Labels.app }}{{ . }}{{ end }}', 'web'],
    ['else of with keeps the outer dot', '{{ with .PodMeta.Labels.nope }}x{{ else }}{{ .ClusterName }}{{ end }}', 'prod-euw1'],
    ['else if', '{{ if eq .PodMeta.Namespace "a" }}a{{ else if eq .PodMeta.Namespace "shop" }}shop{{ else }}other{{ end }}', 'shop'],
    ['else with', '{{ with .PodMeta.Labels.nope }}{{ . }}{{ else with .PodMeta.Labels.app }}<{{ . }}>{{ end }}', '<web>'],
    ['lt/gt/le compare strings byte by byte', '{{ lt "10" "9" }} {{ gt "b" "B" }} {{ lt "z" "é" }} {{ le "a" "a" }}', 'true true true true'],
    ['eq with several candidates', '{{ eq "a" "b" "a" }}', 'true'],
    [
      'printf verbs and widths',
      '{{ printf "%s|%d|%v|%q|%x|%5s|%-5s|%05d" .PodMeta.Name 42 .PodMeta.Labels .PodMeta.Name .PodMeta.Name "ab" "ab" 42 }}',
      'web-0|42|map[app:web app.kubernetes.io/name:web]|"web-0"|7765622d30|   ab|ab   |00042',
    ],
    ['printf bad verb, missing and extra operands', '{{ printf "%d" "x" }}|{{ printf "%s %s" "a" }}|{{ printf "%s" "a" 2 }}', '%!d(string=x)|a %!s(MISSING)|a%!(EXTRA int=2)'],
    [
      'a missing key: <no value> printed, the zero value from index, nil through print and printf',
      '{{ .PodMeta.Labels.nope }}|{{ index .PodMeta.Labels "nope" }}|{{ print .PodMeta.Labels.nope }}|{{ printf "%s" .PodMeta.Labels.nope }}',
      '<no value>||<nil>|%!s(<nil>)',
    ],
    ['a nil map', '{{ .NodeMeta.Labels }}|{{ len .NodeMeta.Labels }}|{{ .NodeMeta.Labels.x }}', 'map[]|0|<no value>'],
    ['trim markers eat all spaces and newlines', 'a \n {{- .ClusterName -}} \n b', 'aprod-euw1b'],
    ['range over a map goes in key order', '{{ range $k, $v := .PodMeta.Labels }}{{ $k }}={{ $v }},{{ end }}', 'app=web,app.kubernetes.io/name=web,'],
    ['variables', '{{ $x := .PodMeta.Name }}{{ $x = printf "%s!" $x }}{{ $x }}', 'web-0!'],
  ])('%s', (_name, template, expected) => {
    expect(run(template)).toBe(expected);
  });

  test.each([
    ['eq on an int and a string', '{{ eq 1 "1" }}', /incompatible types for comparison: int and string/],
    ['lt on an int and a string', '{{ lt 1 "2" }}', /incompatible types for comparison/],
    ['an unknown field, when the branch runs', '{{ .PodMeta.Nope }}', /can't evaluate field Nope/],
    ['range over a string', '{{ range .PodMeta.Name }}x{{ end }}', /range can't iterate/],
  ])('fails at execution: %s', (_name, template, message) => {
    expect(() => parseGoTemplate(template)).not.toThrow();
    expect(() => run(template)).toThrow(TemplateError);
    expect(() => run(template)).toThrow(message);
  });

  test.each([
    ['an unclosed action', '{{ .PodMeta.Name', /unclosed action/],
    ['a sprig function', '{{ default "x" .ClusterName }}', /function "default" not defined/],
    ['else with inside if', '{{ if .ClusterName }}a{{ else with .ClusterName }}b{{ end }}', /unexpected <with>/],
    ['break outside range', '{{ break }}', /\{\{break\}\} outside \{\{range\}\}/],
  ])('fails to parse: %s', (_name, template, message) => {
    expect(() => parseGoTemplate(template)).toThrow(message);
  });

  test('refuses what it does not model instead of guessing (Go would print an address or call a method)', () => {
    expect(() => run('{{ .PodMeta.GetName }}')).toThrow(TemplateNotPreviewable);
    expect(() => run('{{ print .PodMeta }}')).toThrow(/not previewed/);
  });

  test('parseTemplate checks field names in branches Go would only reach for some pods', () => {
    expect(() => parseGoTemplate('{{ if false }}{{ .PodMeta.Nope }}{{ end }}')).not.toThrow();
    expect(() => parseTemplate('{{ if false }}{{ .PodMeta.Nope }}{{ end }}')).toThrow(/\.PodMeta has no field \.Nope/);
    expect(() => parseTemplate('{{ with .PodMeta }}{{ .Nope }}{{ end }}')).toThrow(/has no field \.Nope/);
    expect(() => parseTemplate('{{ with .PodMeta }}{{ .Name }}{{ end }}')).not.toThrow();
  });

  test('a sample pod renders through the same evaluator', () => {
    const data = { trustDomain: 'prod.example', clusterName: 'c1', clusterDomain: 'cluster.local', pod: { name: 'p', namespace: 'ns', serviceAccountName: 'sa' } };
    expect(renderTemplate('spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}/{{ .NodeMeta.Name }}', data))
      .toBe('spiffe://prod.example/ns/ns/sa/sa/node-1');
  });
});
