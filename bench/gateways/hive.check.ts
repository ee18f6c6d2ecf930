// Proof that the Hive contender is set up right: on the real platform, Hive Gateway (with and without
// --jit) answers a customer's queries exactly as our gateway does (so its subgraph calls carry a valid
// internal identity), refuses a bad token with 401 UNAUTHENTICATED, and runs as one pinned process.
//   npx tsx bench/gateways/hive.check.ts
import { deepStrictEqual, equal } from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { testPort } from '@desk/shared/testing';
import { AUDIENCE, ISSUER, postGraphQL, registerCustomer, startPlatform, type Platform } from '../../test/support/platform';
import { startHiveGateway } from './hive';

const QUERIES = {
  me: 'query { me { id name email roles } }',
  tickets: 'query { tickets(first: 5) { edges { node { id } } } }',
};

/** The process's command, CPUs it may run on, and how many children it has (from /proc). */
function processFacts(pid: number) {
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  const cpus = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  const children = readdirSync(`/proc/${pid}/task`)
    .flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean));
  return { comm, cpus, children: children.length };
}

async function check(platform: Platform, token: string, jit: boolean): Promise<void> {
  const hive = await startHiveGateway({
    jit,
    cpu: 0,
    port: await testPort(),
    supergraphPath: path.resolve(__dirname, '../../supergraph.graphql'),
    subgraphUrls: platform.urls,
    jwksUrl: `${new URL(platform.authUrl).origin}/.well-known/jwks.json`,
    issuer: ISSUER,
    audience: AUDIENCE,
    internalPrivateKeyPem: platform.internalKeys.privateKey,
  });
  try {
    const facts = processFacts(hive.pid);
    deepStrictEqual(facts, { comm: 'node', cpus: '0', children: 0 });
    console.log(`${hive.name}: pid ${hive.pid} is node itself, pinned to CPU 0, no worker processes`);

    for (const [name, query] of Object.entries(QUERIES)) {
      const ours = await platform.gql(query, {}, { token });
      const theirs = await postGraphQL(hive.url, query, {}, { token });
      equal(ours.errors, undefined, `our gateway failed ${name}: ${JSON.stringify(ours.errors)}`);
      deepStrictEqual({ status: theirs.status, data: theirs.data, errors: theirs.errors }, { status: 200, data: ours.data, errors: undefined });
      console.log(`${hive.name}: ${name} as the customer, same answer as ours: ${JSON.stringify(theirs.data)}`);
    }

    const anonymous = await postGraphQL(hive.url, QUERIES.me);
    const oursAnonymous = await platform.gql(QUERIES.me);
    deepStrictEqual(
      { status: anonymous.status, data: anonymous.data, codes: anonymous.errors?.map((e) => e.extensions?.code) },
      { status: oursAnonymous.status, data: oursAnonymous.data, codes: oursAnonymous.errors?.map((e) => e.extensions?.code) },
    );
    console.log(`${hive.name}: me without a token, same as ours: ${anonymous.status} ${JSON.stringify(anonymous.data ?? anonymous.errors)}`);

    const forged = `${token.slice(0, -4)}AAAA`;
    const refused = await postGraphQL(hive.url, QUERIES.me, {}, { token: forged });
    deepStrictEqual({ status: refused.status, codes: refused.errors?.map((e) => e.extensions?.code) }, { status: 401, codes: ['UNAUTHENTICATED'] });
    console.log(`${hive.name}: a forged token is refused: 401 ${refused.errors![0].message}`);
  } finally {
    await hive.stop();
  }
  console.log(`${hive.name}: stopped`);
}

async function main(): Promise<void> {
  const platform = await startPlatform();
  try {
    const customer = await registerCustomer(platform);
    const opened = await platform.gql('mutation { openTicket(input: { subject: "Late order", description: "Where is it?" }) { id } }', {}, { token: customer.accessToken });
    if (!opened.data) throw new Error(`openTicket failed: ${JSON.stringify(opened.errors)}`);
    for (const jit of [false, true]) await check(platform, customer.accessToken, jit);
    console.log('hive check passed');
  } finally {
    await platform.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
