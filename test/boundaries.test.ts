// The layering rules, checked over the TypeScript sources: no subgraph imports another subgraph or a
// worker, no worker imports another service, the gateway imports no service, shared/ imports no
// service, no resolver imports the ORM (resolvers call services; repositories talk to TypeORM), and no
// production code imports the shared test kit.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SCANNED = ['subgraphs', 'workers', 'gateway', 'shared'];
const SOURCE = /\.(c|m)?(t|j)sx?$/;

/** Every module specifier a file imports, re-exports, requires or imports dynamically. */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\w])\/\/.*$/gm, '$1');
  const pattern = /\b(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The shared test kit, `@desk/shared/testing`, and the file behind it. */
const TEST_KIT_SOURCE = 'shared/src/testing.ts';
const TEST_KIT = new Set(['shared/testing', 'shared/src/testing']);

type Area = { kind: 'subgraph' | 'worker'; name: string } | { kind: 'gateway' | 'shared' | 'other' };

function areaOf(file: string): Area {
  const [top, name] = file.split('/');
  if (top === 'subgraphs' && name) return { kind: 'subgraph', name };
  if (top === 'workers' && name) return { kind: 'worker', name };
  if (top === 'gateway' || top === 'shared') return { kind: top };
  return { kind: 'other' };
}

/** A specifier as a repository path (for the project's own code) or as a package name. */
function resolve(file: string, specifier: string, packages: Record<string, string>): { internal: string } | { module: string } {
  if (specifier.startsWith('.')) return { internal: path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) };
  for (const [name, dir] of Object.entries(packages)) {
    if (specifier === name || specifier.startsWith(`${name}/`)) return { internal: dir + specifier.slice(name.length) };
  }
  const parts = specifier.split('/');
  return { module: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
}

/** The broken rules in `files` (repository path → source); `packages` maps workspace package names to their folders. */
export function boundaryViolations(files: Record<string, string>, packages: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, source] of Object.entries(files)) {
    const from = areaOf(file);
    for (const specifier of importsOf(source)) {
      const target = resolve(file, specifier, packages);
      if ('module' in target) {
        if (file.includes('/src/resolvers/') && target.module === 'typeorm') problems.push(`${file}: a resolver imports typeorm`);
        continue;
      }
      const to = areaOf(target.internal);
      const what = `${file} imports ${specifier}`;
      if (from.kind === 'subgraph' && ((to.kind === 'subgraph' && to.name !== from.name) || to.kind === 'worker')) problems.push(`${what}: a subgraph may not import another service`);
      if (from.kind === 'worker' && ((to.kind === 'worker' && to.name !== from.name) || to.kind === 'subgraph')) problems.push(`${what}: a worker may not import another service`);
      if (from.kind === 'gateway' && (to.kind === 'subgraph' || to.kind === 'worker')) problems.push(`${what}: the gateway may not import a service`);
      if (from.kind === 'shared' && (to.kind === 'subgraph' || to.kind === 'worker' || to.kind === 'gateway')) problems.push(`${what}: shared code may not import a service`);
      if (file.includes('/src/') && file !== TEST_KIT_SOURCE && TEST_KIT.has(target.internal)) problems.push(`${what}: production code may not import the test kit`);
    }
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((entry) => {
    if (entry === 'node_modules' || entry.startsWith('.')) return [];
    const rel = `${dir}/${entry}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return SOURCE.test(entry) && !entry.endsWith('.d.ts') ? [rel] : [];
  });
}

function workspacePackages(): Record<string, string> {
  const packages: Record<string, string> = {};
  const dirs = ['shared', 'gateway', ...['subgraphs', 'workers'].flatMap((p) => (existsSync(path.join(ROOT, p)) ? readdirSync(path.join(ROOT, p)).map((n) => `${p}/${n}`) : []))];
  for (const dir of dirs) {
    const file = path.join(ROOT, dir, 'package.json');
    if (existsSync(file)) packages[JSON.parse(readFileSync(file, 'utf8')).name] = dir;
  }
  return packages;
}

describe('module boundaries', () => {
  it('hold across the repository', () => {
    const files = Object.fromEntries(SCANNED.flatMap(sourceFiles).map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')]));
    expect(Object.keys(files).length).toBeGreaterThan(0);
    expect(boundaryViolations(files, workspacePackages())).toEqual([]);
  });
});

describe('the boundary scanner', () => {
  const packages = { '@desk/shared': 'shared', '@desk/gateway': 'gateway', '@desk/auth-subgraph': 'subgraphs/auth', '@desk/user-subgraph': 'subgraphs/user', '@desk/email-worker': 'workers/email' };

  it('finds every kind of import statement', () => {
    const source = [
      "import a from './a';",
      "import type { B } from '../b';",
      'import {\n  c,\n  d as e,\n} from "c-module";',
      "import 'side-effect';",
      "export * from './re-export';",
      "export { f } from '@scope/f/sub';",
      "const g = require('g');",
      "const h = await import('./h');",
      "// import x from 'commented-out';",
      "const url = 'http://example.com'; import i from 'i';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['./a', '../b', 'c-module', 'side-effect', './re-export', '@scope/f/sub', 'g', './h', 'i']);
  });

  it('accepts a service that imports itself, shared code and packages', () => {
    expect(boundaryViolations({
      'subgraphs/auth/src/main.ts': "import { loadEnv } from '@desk/shared';\nimport { start } from './app';\nimport express from 'express';",
      'subgraphs/auth/src/auth.repository.ts': "import { DataSource } from 'typeorm';",
      'subgraphs/auth/src/resolvers/mutation.ts': "import { AuthService } from '../auth.service';",
      'gateway/src/app.ts': "import { subjects } from '@desk/shared/src/nats';",
      'test/support/platform.ts': "import { startAuthService } from '../../subgraphs/auth/src/app';",
      'subgraphs/auth/test/harness.ts': "import { testPort } from '@desk/shared/testing';",
    }, packages)).toEqual([]);
  });

  it('reports every broken rule', () => {
    const problems = boundaryViolations({
      'subgraphs/auth/src/a.ts': "import { x } from '../../user/src/user.repository';",
      'subgraphs/user/src/b.ts': "import { y } from '@desk/auth-subgraph/src/tokens';",
      'subgraphs/user/src/c.ts': "import { z } from '../../../workers/email/src/mailer';",
      'workers/email/src/d.ts': "const u = require('@desk/user-subgraph');",
      'gateway/src/e.ts': "import { authEnvSchema } from '../../subgraphs/auth/src/env';",
      'shared/src/f.ts': "export { g } from '@desk/gateway/src/app';",
      'subgraphs/user/src/resolvers/query.ts': "import {\n  Repository,\n} from 'typeorm';",
      'subgraphs/auth/src/app.ts': "import { testPort } from '@desk/shared/testing';",
      'shared/src/nats.ts': "import { uniqueName } from './testing';",
    }, packages);
    expect(problems).toHaveLength(9);
    expect(problems.join('\n')).toMatch(/subgraphs\/auth\/src\/a\.ts imports/);
    expect(problems.join('\n')).toMatch(/resolver imports typeorm/);
  });
});
