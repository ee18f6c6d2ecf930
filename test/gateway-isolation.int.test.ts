// What the gateway keeps between requests (query plans, parsed documents, connections to subgraphs,
// internal tokens) never carries one user's identity or data into another's answer: many users asking
// the same operation at the same moment each get exactly their own.
import { ADMIN, ops, registerCustomer, startPlatform, type Platform } from './support/platform';

let platform: Platform;
beforeAll(async () => { platform = await startPlatform(); }, 120_000);
afterAll(() => platform?.stop());

const MINE = `query Mine {
  me { id name sessions { current } orders(first: 5) { edges { node { id customer { id } payments { order { customer { id } } } } } } tickets(first: 5) { edges { node { requester { id } } } } }
}`;

test('when customers and an anonymous caller send the same operation at once, then each answer is the caller\'s own', async () => {
  const admin = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken as string;
  const category = (await platform.gql('mutation { createCategory(input: { name: "Mugs" }) { id } }', {}, { token: admin })).data!.createCategory.id;
  const product = (await platform.gql('mutation($c: ID!) { createProduct(input: { name: "Mug", priceCents: 3000, currency: "BRL", categoryId: $c }) { id } }', { c: category }, { token: admin })).data!.createProduct.id;
  const customers: (Awaited<ReturnType<typeof registerCustomer>> & { order: string })[] = [];
  for (let i = 0; i < 4; i++) {
    const customer = await registerCustomer(platform);
    const order = (await platform.gql('mutation($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }', { p: product }, { token: customer.accessToken })).data!.placeOrder.id as string;
    await platform.gql('mutation($o: ID!) { startPayment(orderId: $o) { id } }', { o: order }, { token: customer.accessToken });
    await platform.gql('mutation($o: ID!) { openTicket(input: { subject: "Mine", description: "Mine", orderId: $o }) { id } }', { o: order }, { token: customer.accessToken });
    customers.push({ ...customer, order });
  }

  const callers = Array.from({ length: 60 }, (_, i) => (i % 5 === 4 ? null : customers[i % 5]));
  const answers = await Promise.all(callers.map((caller) => platform.gql(MINE, {}, caller ? { token: caller.accessToken } : {})));

  answers.forEach((answer, i) => {
    const caller = callers[i];
    expect(answer.errors).toBeUndefined();
    if (!caller) {
      expect(answer.data?.me).toBeNull();
      return;
    }
    const me = answer.data!.me;
    expect(me).toMatchObject({ id: caller.id, name: caller.name, sessions: [{ current: true }] });
    expect(me.orders.edges).toEqual([{ node: { id: caller.order, customer: { id: caller.id }, payments: [{ order: { customer: { id: caller.id } } }] } }]);
    expect(me.tickets.edges).toEqual([{ node: { requester: { id: caller.id } } }]);
  });
});
