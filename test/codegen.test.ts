// Every subgraph's committed resolver types are what `npm run codegen` makes from its schema.graphql.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generate, subgraphDirs } from '../scripts/codegen';

const ROOT = path.resolve(__dirname, '..');

describe('generated resolver types', () => {
  const dirs = subgraphDirs();

  it('exist for at least one subgraph', () => {
    expect(dirs.length).toBeGreaterThan(0);
  });

  it.each(dirs)('are current in %s', async (dir) => {
    const target = path.join(ROOT, dir, 'src', 'generated', 'graphql.ts');
    const expected = await generate(dir);
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (committed !== expected) throw new Error(`${path.relative(ROOT, target)} is stale: run npm run codegen`);
  });
});
