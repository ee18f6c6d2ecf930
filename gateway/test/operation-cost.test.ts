// The cost estimate: lists multiply what they select by their page size (variables and defaults
// read, capped at the largest page), lists without pages by their assumed size, through fragments,
// aliases and @skip/@include; and the default limit lets the platform's own operations through while
// refusing a page of products for every category.
import { parse, type OperationDefinitionNode } from 'graphql';
import { parseEnv } from '@desk/shared';
import { generateInternalKeyPair } from '@desk/shared/testing';
import { composeSupergraph } from '../../scripts/compose';
import { gatewayEnvSchema } from '../src/env';
import { costLimit, costOptions, estimateCost, LEAF_COST, OBJECT_COST, type CostOptions } from '../src/plugins/operation-cost';

const schema = composeSupergraph().apiSchema!;
const options: CostOptions = { defaultPageSize: 20, maxPageSize: 100, maxUnpaginatedList: 100, hints: { 'Order.items': 50 } };

function costOf(query: string, variables: Record<string, unknown> = {}, overrides: Partial<CostOptions> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return estimateCost(schema, document, operation, variables, { ...options, ...overrides }).cost;
}

const O = OBJECT_COST;
const L = LEAF_COST;
/** `products(first: n) { edges { node { id name } } }`: the connection, then n edges each with its node and two leaves. */
const productPage = (n: number) => O + n * (O + O + 2 * L);

describe('when a list is paged', () => {
  test('then what it selects counts once per item of the page', () => {
    expect(costOf('{ products(first: 1) { edges { node { id name } } } }')).toBe(productPage(1));
    expect(costOf('{ products(first: 100) { edges { node { id name } } } }')).toBe(productPage(100));
  });

  test('then the page size comes from the variables, else the variable\'s default, else the default page size', () => {
    const query = 'query($n: Int) { products(first: $n) { edges { node { id name } } } }';
    expect(costOf(query, { n: 7 })).toBe(productPage(7));
    expect(costOf(query, {})).toBe(productPage(20));
    expect(costOf(query, { n: null })).toBe(productPage(20));
    expect(costOf('query($n: Int = 3) { products(first: $n) { edges { node { id name } } } }', {})).toBe(productPage(3));
    expect(costOf('{ products { edges { node { id name } } } }', {}, { defaultPageSize: 5 })).toBe(productPage(5));
  });

  test('then a page larger than the API serves counts as the largest, and one that is not a number too', () => {
    expect(costOf('{ products(first: 5000) { edges { node { id name } } } }')).toBe(productPage(100));
    expect(costOf('query($n: Int) { products(first: $n) { edges { node { id name } } } }', { n: 'lots' })).toBe(productPage(100));
  });

  test('then only the lists in the connection are multiplied, not its total or page info', () => {
    expect(costOf('{ products(first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { cursor } } }'))
      .toBe(O + L + (O + 2 * L) + 50 * (O + L));
  });
});

describe('when a list has no pages', () => {
  test('then it counts as the configured bound, unless the domain bounds it', () => {
    expect(costOf('{ categories { id } }')).toBe(100 * (O + L));
    expect(costOf('{ categories { id } }', {}, { maxUnpaginatedList: 10 })).toBe(10 * (O + L));
    expect(costOf('query($o: ID!) { order(id: $o) { items { name } payments { id } } }', { o: 'x' })).toBe(O + 50 * (O + L) + 100 * (O + L));
  });

  test('then the pages inside it multiply with it: a page of products for every category', () => {
    expect(costOf('{ categories { products(first: 100) { edges { node { id name } } } } }')).toBe(100 * (O + productPage(100)));
  });

  test('then a list of leaves counts as one value', () => {
    expect(costOf('{ me { roles } }')).toBe(O + L);
  });
});

describe('when the operation is written with fragments, aliases and directives', () => {
  const plain = '{ products(first: 10) { edges { node { id name } } } }';

  test('then named and inline fragments cost what their fields cost, a connection\'s page included', () => {
    expect(costOf('{ products(first: 10) { ...Page } } fragment Page on ProductConnection { edges { node { ...P } } } fragment P on Product { id name }')).toBe(costOf(plain));
    expect(costOf('{ products(first: 10) { ... on ProductConnection { edges { node { ... { id name } } } } } }')).toBe(costOf(plain));
  });

  test('then each alias counts as a field of its own', () => {
    expect(costOf('{ a: products(first: 10) { edges { node { id name } } } b: products(first: 10) { edges { node { id name } } } }')).toBe(2 * costOf(plain));
  });

  test('then a skipped selection counts nothing, whether the condition is written or a variable', () => {
    expect(costOf('{ me { id } products(first: 10) @skip(if: true) { edges { node { id name } } } }')).toBe(O + L);
    const query = 'query($all: Boolean!) { me { id } products(first: 10) @include(if: $all) { edges { node { id name } } } }';
    expect(costOf(query, { all: false })).toBe(O + L);
    expect(costOf(query, { all: true })).toBe(O + L + costOf(plain));
  });

  test('then a fragment spread again and again is estimated once, and its count still multiplies', () => {
    // Each level spreads the one below twice: 2^20 copies of `me { id }`, estimated in 21 steps.
    const levels = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const started = performance.now();
    expect(costOf(`{ ...F0 } ${levels} fragment F20 on Query { me { id } }`)).toBe(2 ** 20 * (O + L));
    expect(performance.now() - started).toBeLessThan(100);
  });

  test('then a fragment that spreads itself (refused by validation) still ends', () => {
    expect(costOf('{ me { ...U } } fragment U on User { id ...U }')).toBe(O + L);
  });

  test('then __typename and introspection are free', () => {
    expect(costOf('{ __typename __schema { types { name fields { name } } } }')).toBe(0);
  });
});

describe('when the limit is applied', () => {
  const env = parseEnv(gatewayEnvSchema, { INTERNAL_JWT_PRIVATE_KEY: generateInternalKeyPair().privateKey });
  const limit = costLimit(env.MAX_COST, costOptions(env.MAX_UNPAGINATED_LIST));
  const check = (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    return limit.check(schema, document, document.definitions[0] as OperationDefinitionNode, variables);
  };

  // The benchmark's "list" operation: an agent's 50 tickets with their references.
  const agentList = `query List { tickets(first: 50) { edges { node {
    subject status priority requester { name email } assignee { name }
    order { status totalCents customer { name } payments { status amountCents } } } } } }`;

  test('then the platform\'s own heaviest operations pass by default', () => {
    expect(check(agentList)).toBeNull();
    // test/no-n-plus-one.int.test.ts: 50 tickets, each with its order's payments.
    expect(check('query($n: Int!) { tickets(first: $n) { edges { node { id subject requester { id name } order { id status payments { id status amountCents } } } } } }', { n: 50 })).toBeNull();
  });

  test('then a page of products for every category is refused, with the figures and the validation code', () => {
    const refusal = check('{ categories { products(first: 100) { edges { node { id name } } } } }');
    expect(refusal?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refusal?.message).toMatch(/cost is 60400, over the limit of 30000/);
  });

  test('then the same document is refused or let through according to its variables', () => {
    const query = 'query($n: Int) { categories { products(first: $n) { edges { node { id name } } } } }';
    expect(check(query, { n: 100 })).not.toBeNull();
    expect(check(query, { n: 5 })).toBeNull();
    expect(check(query, { n: 100 })).not.toBeNull();
  });
});
