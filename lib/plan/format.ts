import { createHash } from 'node:crypto';
import { ClusterPlan, FieldChange, ObjectChange, Plan } from './diff';

function value(value: unknown): string {
  if (value === undefined) return '(unset)';
  const text = JSON.stringify(value);
  // Long values (bundles, certificates) are told apart by a digest rather than printed.
  if (text.length <= 120) return text;
  return `<${text.length} characters, sha256 ${createHash('sha256').update(text).digest('hex').slice(0, 12)}>`;
}

function hasChanges(plan: ClusterPlan): boolean {
  return plan.status !== 'present' || plan.identities.length + plan.federation.length + plan.topology.length
    + plan.policy.length + plan.migrations.length + plan.workloads.length > 0;
}

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

function summary(plan: Plan): string {
  const changed = plan.clusters.filter(hasChanges).length;
  return `${plan.identityChanges} identity change${plan.identityChanges === 1 ? '' : 's'} (${plan.productionIdentityChanges} in production) in ${changed} cluster${changed === 1 ? '' : 's'}`;
}

function fieldLine(change: FieldChange): string {
  return `${change.field}: ${value(change.before)} -> ${value(change.after)}`;
}

function workloadText(change: ClusterPlan['workloads'][number]): string {
  return `${workloadChangeText(change)}${change.note ? ` (NOT ISSUED: ${change.note})` : ''}`;
}

function workloadChangeText(change: ClusterPlan['workloads'][number]): string {
  switch (change.change) {
    case 'gains': return `gains ${change.after}`;
    case 'loses': return `loses ${change.before}`;
    case 'changes': return `changes ${change.before} -> ${change.after}`;
    default: return `keeps ${change.after}, entry changes: ${change.fields.map(fieldLine).join('; ')}`;
  }
}

/** The plan for a terminal. */
export function formatText(plan: Plan, title: string): string {
  const lines = [title, ''];
  const changed = plan.clusters.filter(hasChanges);
  if (changed.length === 0) lines.push('No changes.', '');
  for (const cluster of changed) {
    lines.push(`${cluster.environment}/${cluster.cluster}${cluster.production ? ' (production)' : ''}${cluster.status === 'present' ? '' : `: cluster ${cluster.status}`}`);
    const objects = (heading: string, changes: readonly ObjectChange[]) => {
      if (changes.length === 0) return;
      lines.push(`  ${heading}:`);
      for (const change of changes) {
        lines.push(`    ${SIGN[change.change]} ${change.kind} ${change.name}`);
        for (const field of change.fields) lines.push(`        ${fieldLine(field)}`);
      }
    };
    objects('identities', cluster.identities);
    objects('federation', cluster.federation);
    for (const [heading, changes] of [['topology', cluster.topology], ['policy', cluster.policy]] as const) {
      if (changes.length === 0) continue;
      lines.push(`  ${heading}:`);
      for (const change of changes) lines.push(`    ~ ${fieldLine(change)}`);
    }
    for (const migration of cluster.migrations) {
      lines.push(`  MIGRATION ${migration.what}: ${value(migration.before)} -> ${value(migration.after)}`, `    requires ${migration.requires}`);
    }
    if (cluster.workloads.length > 0) {
      lines.push('  workloads:');
      for (const change of cluster.workloads) lines.push(`    ${change.workload} (${change.source}) ${workloadText(change)}`);
    }
    lines.push('');
  }
  lines.push(`${summary(plan)}; exit ${plan.exitCode}`);
  return `${lines.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: unknown): string {
  return `\`${cell(value(text)).replace(/`/g, "'")}\``;
}

/** The plan as a pull-request comment. */
export function formatMarkdown(plan: Plan, title: string): string {
  const lines = [`## ${title}`, ''];
  const changed = plan.clusters.filter(hasChanges);
  if (plan.exitCode === 3) lines.push('> [!WARNING]', '> Production identities change: this needs a second approval.', '');
  if (changed.length === 0) lines.push('No changes.', '');
  for (const cluster of changed) {
    lines.push(`### ${cluster.environment}/${cluster.cluster}${cluster.production ? ' (production)' : ''}${cluster.status === 'present' ? '' : `: cluster ${cluster.status}`}`, '');
    const objects = [...cluster.identities, ...cluster.federation];
    if (objects.length > 0) {
      lines.push('| | kind | name | field | before | after |', '|---|---|---|---|---|---|');
      for (const change of objects) {
        if (change.fields.length === 0) lines.push(`| ${SIGN[change.change]} | ${change.kind} | ${cell(change.name)} | | | |`);
        for (const field of change.fields) {
          lines.push(`| ${SIGN[change.change]} | ${change.kind} | ${cell(change.name)} | \`${cell(field.field)}\` | ${change.change === 'added' ? '' : code(field.before)} | ${code(field.after)} |`);
        }
      }
      lines.push('');
    }
    const settings = [...cluster.topology.map((change) => ['topology', change] as const), ...cluster.policy.map((change) => ['policy', change] as const)];
    if (settings.length > 0) {
      lines.push('| change | field | before | after |', '|---|---|---|---|');
      for (const [kind, change] of settings) lines.push(`| ${kind} | \`${cell(change.field)}\` | ${code(change.before)} | ${code(change.after)} |`);
      lines.push('');
    }
    for (const migration of cluster.migrations) {
      lines.push(`- **Migration: ${cell(migration.what)}** ${code(migration.before)} → ${code(migration.after)}. Requires ${cell(migration.requires)}.`);
    }
    if (cluster.migrations.length > 0) lines.push('');
    if (cluster.workloads.length > 0) {
      lines.push('| workload | from | change |', '|---|---|---|');
      for (const change of cluster.workloads) lines.push(`| \`${cell(change.workload)}\` | ${cell(change.source)} | ${cell(workloadText(change))} |`);
      lines.push('');
    }
  }
  lines.push(`${summary(plan)}.`, '');
  return lines.join('\n');
}
