#!/usr/bin/env node
// Regenerates imports/ from local copies of the CRDs pinned in cdk8s.yaml, for machines without internet.
// Each URL's file name is looked up under CRD_DIR (default ../shared/crds), so the local files must be the
// exact upstream files the URLs name.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';

const crdDir = resolve(process.env.CRD_DIR ?? '../shared/crds');
const localFiles = new Map();
(function walk(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else localFiles.set(entry, path);
  }
})(crdDir);

// kube-prometheus prefixes its file names; the CRD files copied from it drop that prefix.
const aliases = {
  '0servicemonitorCustomResourceDefinition.yaml': 'servicemonitor-crd.yaml',
  '0podmonitorCustomResourceDefinition.yaml': 'podmonitor-crd.yaml',
  '0prometheusruleCustomResourceDefinition.yaml': 'prometheusrule-crd.yaml',
};

const { imports } = parse(readFileSync('cdk8s.yaml', 'utf8'));
for (const spec of imports) {
  const [prefix, url] = spec.split(':=');
  const fileName = aliases[basename(url)] ?? basename(url);
  const local = localFiles.get(fileName);
  if (!local) {
    console.error(`no local copy of ${url} (looked for ${fileName} under ${crdDir}); set CRD_DIR`);
    process.exit(1);
  }
  execFileSync('npx', ['cdk8s', 'import', `${prefix}:=${local}`, '--output', 'imports'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
  console.log(`imported ${prefix} from ${local}`);
}
