// The committed supergraph is what composing supergraph.yaml gives, and it keeps the public API
// contract (test/contract/api.graphql, the part of API.md built so far): no contracted type, field,
// argument or enum value disappears or changes type.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, type GraphQLSchema } from 'graphql';
import { composeSupergraph, isCurrent, SUPERGRAPH_FILE } from '../scripts/compose';

const CONTRACT = path.join(__dirname, 'contract', 'api.graphql');

function contractBreaks(contract: GraphQLSchema, api: GraphQLSchema): string[] {
  return findBreakingChanges(contract, api).map((change) => `${change.type}: ${change.description}`);
}

describe('the supergraph', () => {
  const outcome = composeSupergraph();

  it('composes from supergraph.yaml without errors', () => {
    expect(outcome.errors).toEqual([]);
  });

  it('is committed exactly as composed', () => {
    if (!isCurrent(outcome)) throw new Error(`${path.basename(SUPERGRAPH_FILE)} is stale: run npm run compose`);
  });

  it('keeps every name of the API contract with its type', () => {
    const contract = buildSchema(readFileSync(CONTRACT, 'utf8'));
    expect(contractBreaks(contract, outcome.apiSchema!)).toEqual([]);
  });

  it('does not leak federation internals into the API schema', () => {
    const names = Object.keys(outcome.apiSchema!.getTypeMap());
    expect(names.filter((n) => n.startsWith('join__') || n.startsWith('link__') || n === '_Service' || n === '_Entity')).toEqual([]);
  });
});

describe('the contract check', () => {
  it('reports a removed field and a changed type', () => {
    const contract = buildSchema('type Query { me: User } type User { id: ID! name: String! email: String }');
    const api = buildSchema('type Query { me: User } type User { id: ID! name: String }');
    const breaks = contractBreaks(contract, api);
    expect(breaks).toEqual(expect.arrayContaining([
      expect.stringMatching(/^FIELD_REMOVED: User\.email/),
      expect.stringMatching(/^FIELD_CHANGED_KIND: User\.name/),
    ]));
  });

  it('accepts additions', () => {
    const contract = buildSchema('type Query { me: User } type User { id: ID! }');
    const api = buildSchema('type Query { me: User users: [User!]! } type User { id: ID! name: String! }');
    expect(contractBreaks(contract, api)).toEqual([]);
  });
});
