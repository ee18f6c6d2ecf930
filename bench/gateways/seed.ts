// Data for the gateway benchmark, made through the platform's own API: a catalogue, customers with
// orders, payments and tickets, and agents; then a pool of distinct access tokens for each group.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { SignJWT, decodeJwt, importJWK } from 'jose';
import { ADMIN, AUDIENCE, ISSUER, ops, registerAgent, registerCustomer, type Platform } from '../../test/support/platform';

export interface Seeded {
  /** Each group's users: id and a real access token (its session is the one the minted tokens carry). */
  customers: { id: string; accessToken: string }[];
  agents: { id: string; accessToken: string }[];
}

async function must<T>(result: Promise<{ data?: T | null; errors?: unknown }>): Promise<T> {
  const { data, errors } = await result;
  if (!data) throw new Error(`seeding failed: ${JSON.stringify(errors)}`);
  return data;
}

export async function seed(platform: Platform, sizes = { customers: 20, agents: 3, ordersEach: 3, ticketsEach: 3 }): Promise<Seeded> {
  const admin = await must<{ login: { accessToken: string } }>(platform.gql(ops.login, ADMIN));
  const adminToken = admin.login.accessToken;
  const asAdmin = <T>(query: string, variables: Record<string, unknown>) => must<T>(platform.gql(query, variables, { token: adminToken }));

  const products: string[] = [];
  for (const name of ['Coffee', 'Tea']) {
    const { createCategory } = await asAdmin<{ createCategory: { id: string } }>('mutation($n: String!) { createCategory(input: { name: $n }) { id } }', { n: name });
    for (let i = 1; i <= 3; i++) {
      const { createProduct } = await asAdmin<{ createProduct: { id: string } }>(
        'mutation($n: String!, $c: ID!, $p: Int!) { createProduct(input: { name: $n, priceCents: $p, currency: "BRL", categoryId: $c }) { id } }',
        { n: `${name} ${i}`, c: createCategory.id, p: 1000 * i + 90 },
      );
      products.push(createProduct.id);
    }
  }

  const agents = [];
  for (let i = 0; i < sizes.agents; i++) agents.push(await registerAgent(platform, adminToken));

  const customers = [];
  for (let c = 0; c < sizes.customers; c++) {
    const customer = await registerCustomer(platform);
    const asCustomer = <T>(query: string, variables: Record<string, unknown>) => must<T>(platform.gql(query, variables, { token: customer.accessToken }));
    const orders: string[] = [];
    for (let o = 0; o < sizes.ordersEach; o++) {
      const items = [{ productId: products[(c + o) % products.length], quantity: 1 + o }, { productId: products[(c + o + 3) % products.length], quantity: 2 }];
      const { placeOrder } = await asCustomer<{ placeOrder: { id: string } }>('mutation($i: [OrderItemInput!]!) { placeOrder(input: { items: $i }) { id } }', { i: items });
      await asCustomer('mutation($o: ID!) { startPayment(orderId: $o) { id } }', { o: placeOrder.id });
      orders.push(placeOrder.id);
    }
    for (let t = 0; t < sizes.ticketsEach; t++) {
      const { openTicket } = await asCustomer<{ openTicket: { id: string } }>(
        'mutation($s: String!, $o: ID) { openTicket(input: { subject: $s, description: "Where is my order?", priority: HIGH, orderId: $o }) { id } }',
        { s: `Question ${t + 1} from customer ${c + 1}`, o: t < orders.length - 1 ? orders[t] : null },
      );
      if (t === 0) {
        const agent = agents[c % agents.length];
        await must(platform.gql('mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, assigneeId: $a) { id } }', { t: openTicket.id, a: agent.id }, { token: agent.accessToken }));
      }
    }
    customers.push(customer);
  }
  return { customers, agents };
}

/**
 * Writes `count` distinct access tokens, one per line, cycling through the users: each is a copy of a
 * user's real token (same session, roles and roles version) with its own id and issue time.
 */
export async function writeTokenPool(platform: Platform, users: { accessToken: string }[], count: number, file: string): Promise<void> {
  const key = await importJWK(platform.signingKey.privateJwk, 'ES256');
  const claims = users.map((u) => decodeJwt(u.accessToken));
  const now = Math.floor(Date.now() / 1000);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const { sub, sid, roles, guest, rv } = claims[i % claims.length];
    lines.push(await new SignJWT({ sid, roles, guest, rv })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: platform.signingKey.privateJwk.kid })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(sub!).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 900).setJti(randomUUID())
      .sign(key));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}
