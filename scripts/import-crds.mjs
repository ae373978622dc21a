#!/usr/bin/env node
// Regenerates imports/ from the pinned CRD files cdk8s.yaml lists (paths relative to the project, under
// ../shared/crds), exactly as `npx cdk8s import` does, without the CLI's upgrade check. CRD_DIR points
// the ../shared/crds part of those paths elsewhere.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

const SHARED_CRDS = '../shared/crds/';
const config = readFileSync('cdk8s.yaml', 'utf8');
const { imports } = parse(config);
for (const spec of imports) {
  const [prefix, path] = spec.split(':=');
  const local = process.env.CRD_DIR && path.startsWith(SHARED_CRDS) ? resolve(process.env.CRD_DIR, path.slice(SHARED_CRDS.length)) : resolve(path);
  if (!existsSync(local)) {
    console.error(`no CRD file ${local} (cdk8s.yaml: ${spec}); put the pinned CRDs at ../shared/crds or set CRD_DIR`);
    process.exit(1);
  }
  execFileSync('npx', ['cdk8s', 'import', `${prefix}:=${local}`, '--output', 'imports'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
  console.log(`imported ${prefix} from ${local}`);
}
// `cdk8s import` appends every spec it is given to cdk8s.yaml, here the absolute path it was handed: the
// project's file keeps its one line per CRD, relative to the project.
writeFileSync('cdk8s.yaml', config);
