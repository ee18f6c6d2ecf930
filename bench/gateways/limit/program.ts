// A replay program: exactly the subgraph calls a query plan makes for one request, in the plan's order
// (sequences and parallel groups), and how each answer merges into the response. Running it is the
// least work any gateway could do for that request: no parsing, validation, planning or building of
// subgraph requests, only the calls themselves, the merge and the final selection.
import { Kind, parse, type SelectionSetNode } from 'graphql';

export type Step =
  | { kind: 'sequence' | 'parallel'; steps: Step[] }
  | {
    kind: 'fetch';
    service: string;
    /** The request body, byte for byte as the gateway sent it. */
    body: string;
    /** For an entity fetch: where its entities go ('@' walks a list); null for a root fetch. */
    path: string[] | null;
    /** For each object found at `path`, in order, the index of its entity in the answer (-1: none). */
    entityIndex: number[] | null;
  };

/** The client's selection: response key → sub-selection, or true for a leaf. */
export interface Projection { [key: string]: Projection | true }

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function projectionOf(query: string): Projection {
  const operation = parse(query).definitions[0];
  if (operation.kind !== Kind.OPERATION_DEFINITION) throw new Error('expected an operation');
  const walk = (set: SelectionSetNode): Projection => {
    const out: Projection = {};
    for (const selection of set.selections) {
      if (selection.kind !== Kind.FIELD) throw new Error('the benchmark queries use fields only');
      out[selection.alias?.value ?? selection.name.value] = selection.selectionSet ? walk(selection.selectionSet) : true;
    }
    return out;
  };
  return walk(operation.selectionSet);
}

export function project(value: Json, projection: Projection): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => project(item, projection));
  const out: JsonObject = {};
  for (const key in projection) {
    const sub = projection[key];
    out[key] = sub === true ? value[key] : project(value[key], sub);
  }
  return out;
}

export function deepMerge(target: JsonObject, source: JsonObject): void {
  for (const key in source) {
    const from = source[key];
    const into = target[key];
    if (into && from && typeof into === 'object' && typeof from === 'object') {
      if (Array.isArray(into) && Array.isArray(from)) {
        for (let i = 0; i < from.length; i++) {
          const a = into[i]; const b = from[i];
          if (a && b && typeof a === 'object' && typeof b === 'object') deepMerge(a as JsonObject, b as JsonObject);
          else into[i] = b;
        }
      } else {
        deepMerge(into as JsonObject, from as JsonObject);
      }
    } else {
      target[key] = from;
    }
  }
}

/** The objects at `path` under `root`, in document order. */
export function collect(root: Json, path: string[]): JsonObject[] {
  let level: Json[] = [root];
  for (const segment of path) {
    const next: Json[] = [];
    for (const value of level) {
      if (value === null || typeof value !== 'object') continue;
      if (segment === '@') { if (Array.isArray(value)) next.push(...value); } else if (!Array.isArray(value)) next.push(value[segment]);
    }
    level = next;
  }
  return level.filter((v): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v));
}

/** Sends one fetch's body to its subgraph and returns the parsed answer. */
export type Call = (service: string, body: string) => Promise<{ data?: JsonObject | null; errors?: unknown[] }>;

export async function run(step: Step, root: JsonObject, call: Call, errors: unknown[]): Promise<void> {
  if (step.kind !== 'fetch') {
    if (step.kind === 'sequence') for (const child of step.steps) await run(child, root, call, errors);
    else await Promise.all(step.steps.map((child) => run(child, root, call, errors)));
    return;
  }
  const answer = await call(step.service, step.body);
  if (answer.errors) errors.push(...answer.errors);
  if (!answer.data) return;
  if (!step.path) { deepMerge(root, answer.data); return; }
  const entities = answer.data._entities as JsonObject[];
  const targets = collect(root, step.path);
  for (let k = 0; k < targets.length; k++) {
    const index = step.entityIndex![k];
    if (index >= 0 && entities[index]) deepMerge(targets[k], entities[index]);
  }
}
