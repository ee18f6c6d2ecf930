// Composes the subgraphs listed in supergraph.yaml into supergraph.graphql, the static supergraph the
// gateway serves. Prints composition errors and hints; exits non-zero on errors.
// `--check` writes nothing and fails when the committed supergraph.graphql is stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLSchema } from 'graphql';
import { readSupergraphConfig, ROOT, SUPERGRAPH_CONFIG } from './platform';

export const SUPERGRAPH_FILE = path.join(ROOT, 'supergraph.graphql');

export interface ComposeOutcome {
  /** The supergraph SDL exactly as `npm run compose` writes it; undefined when composition failed. */
  supergraphSdl?: string;
  /** The schema clients see through the gateway (the supergraph's API schema). */
  apiSchema?: GraphQLSchema;
  errors: string[];
  hints: string[];
}

export function composeSupergraph(configPath = SUPERGRAPH_CONFIG): ComposeOutcome {
  const config = readSupergraphConfig(configPath);
  const errors: string[] = [];
  const services = [];
  for (const subgraph of config.subgraphs) {
    const where = path.relative(process.cwd(), subgraph.schemaFile) || subgraph.schemaFile;
    if (!existsSync(subgraph.schemaFile)) {
      errors.push(`[${subgraph.name}] ${where} does not exist`);
      continue;
    }
    try {
      services.push({ name: subgraph.name, url: subgraph.routingUrl, typeDefs: parse(readFileSync(subgraph.schemaFile, 'utf8')) });
    } catch (error) {
      errors.push(`[${subgraph.name}] ${where}: ${(error as Error).message}`);
    }
  }
  if (errors.length) return { errors, hints: [] };
  const result = composeServices(services);
  if (result.errors) {
    return { errors: result.errors.map((e) => `${e.extensions?.code ? `${String(e.extensions.code)}: ` : ''}${e.message}`), hints: [] };
  }
  const sdl = result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
  return {
    supergraphSdl: sdl,
    apiSchema: result.schema.toAPISchema().toGraphQLJSSchema(),
    errors: [],
    hints: result.hints.map((h) => `${h.definition.code}: ${h.message}`),
  };
}

/** Whether `target` holds exactly what composing would write. */
export function isCurrent(outcome: ComposeOutcome, target = SUPERGRAPH_FILE): boolean {
  return outcome.supergraphSdl !== undefined && existsSync(target) && readFileSync(target, 'utf8') === outcome.supergraphSdl;
}

function main(): void {
  const check = process.argv.includes('--check');
  const outcome = composeSupergraph();
  for (const hint of outcome.hints) console.warn(`hint: ${hint}`);
  if (outcome.errors.length) {
    for (const error of outcome.errors) console.error(`error: ${error}`);
    console.error(`composition failed with ${outcome.errors.length} error(s)`);
    process.exit(1);
  }
  const relative = path.relative(process.cwd(), SUPERGRAPH_FILE) || SUPERGRAPH_FILE;
  if (check) {
    if (!isCurrent(outcome)) {
      console.error(`${relative} is stale: run npm run compose`);
      process.exit(1);
    }
    console.log(`${relative} is current`);
    return;
  }
  writeFileSync(SUPERGRAPH_FILE, outcome.supergraphSdl!);
  console.log(`wrote ${relative}`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
