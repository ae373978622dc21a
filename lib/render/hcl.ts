/**
 * A small, deterministic HCL writer for SPIRE configuration files. Attributes and blocks are written in
 * the order given, so renderers control key order; nothing is sorted or reordered here.
 */
export type HclValue = string | number | boolean | readonly HclValue[] | HclObject;
export interface HclObject { readonly [key: string]: HclValue }

export interface HclBlock {
  readonly block: string;
  readonly labels?: readonly string[];
  readonly body: HclBody;
}
export type HclAttribute = readonly [string, HclValue | undefined];
export type HclBody = readonly (HclAttribute | HclBlock | undefined)[];

const INDENT = '  ';

function isBlock(entry: HclAttribute | HclBlock): entry is HclBlock {
  return !Array.isArray(entry);
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function key(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) ? name : quote(name);
}

function value(item: HclValue, depth: number): string {
  if (typeof item === 'string') return quote(item);
  if (typeof item === 'number' || typeof item === 'boolean') return String(item);
  if (Array.isArray(item)) return `[${item.map((element) => value(element, depth)).join(', ')}]`;
  const entries = Object.entries(item as HclObject);
  if (entries.length === 0) return '{}';
  const inner = INDENT.repeat(depth + 1);
  // Object keys are always quoted, as SPIRE's docs write them: cluster names may start with a digit.
  const lines = entries.map(([name, element]) => `${inner}${quote(name)} = ${value(element, depth + 1)}`);
  return `{\n${lines.join('\n')}\n${INDENT.repeat(depth)}}`;
}

function body(entries: HclBody, depth: number): string[] {
  const lines: string[] = [];
  for (const entry of entries) {
    if (entry === undefined) continue;
    const pad = INDENT.repeat(depth);
    if (isBlock(entry)) {
      const labels = (entry.labels ?? []).map((label) => ` ${quote(label)}`).join('');
      const inner = body(entry.body, depth + 1);
      lines.push(inner.length === 0 ? `${pad}${entry.block}${labels} {}` : `${pad}${entry.block}${labels} {`, ...inner);
      if (inner.length > 0) lines.push(`${pad}}`);
    } else {
      const [name, element] = entry;
      if (element === undefined) continue;
      lines.push(`${pad}${key(name)} = ${value(element, depth)}`);
    }
  }
  return lines;
}

/** Renders top-level blocks separated by blank lines, ending in a newline. */
export function renderHcl(blocks: readonly (HclBlock | undefined)[]): string {
  return blocks
    .filter((block): block is HclBlock => block !== undefined)
    .map((block) => body([block], 0).join('\n'))
    .join('\n\n') + '\n';
}

/** A `Type "name" { plugin_data { ... } }` block inside `plugins { }`. */
export function plugin(type: string, name: string, data: HclBody): HclBlock {
  return { block: type, labels: [name], body: [{ block: 'plugin_data', body: data }] };
}

/** The health listener SPIRE server and agent share; bound on all addresses so kubelet probes reach it. */
export interface HealthListener {
  readonly port: number;
  readonly livePath: string;
  readonly readyPath: string;
}

export function healthChecks(health: HealthListener): HclBlock {
  return {
    block: 'health_checks',
    body: [
      ['listener_enabled', true],
      ['bind_address', '0.0.0.0'],
      ['bind_port', String(health.port)],
      ['live_path', health.livePath],
      ['ready_path', health.readyPath],
    ],
  };
}

/** Where SPIRE server and agent send metrics: a Prometheus listener on `prometheusPort`, and DogStatsD listeners. */
export interface TelemetrySinks {
  readonly prometheusPort?: number;
  /** `host:port` of each DogStatsD listener. */
  readonly dogStatsd?: readonly string[];
}

/**
 * The `telemetry` block, or nothing without a sink. DogStatsd is a list of blocks, one per listener
 * (spire pkg/common/telemetry/config.go, FileConfig.DogStatsd).
 */
export function telemetry(sinks: TelemetrySinks): HclBlock | undefined {
  const body: HclBody = [
    ...(sinks.prometheusPort === undefined ? [] : [{ block: 'Prometheus', body: [['host', '0.0.0.0'], ['port', sinks.prometheusPort]] } as HclBlock]),
    ...(sinks.dogStatsd ?? []).map((address): HclBlock => ({ block: 'DogStatsd', body: [['address', address]] })),
  ];
  return body.length === 0 ? undefined : { block: 'telemetry', body };
}
