// The three operations the gateways are compared on, and whose tokens each is sent with.
export interface BenchQuery {
  name: 'light' | 'deep' | 'list';
  title: string;
  /** Whose access tokens the requests carry. */
  as: 'customers' | 'agents';
  query: string;
}

export const QUERIES: BenchQuery[] = [
  {
    name: 'light',
    title: 'Light: `me { name }`',
    as: 'customers',
    query: 'query Light { me { name } }',
  },
  {
    // user → auth (sessions); user → order → payment → order → user; order → ticket → user;
    // user → ticket → order → payment: every subgraph, with entity hops back and forth.
    name: 'deep',
    title: 'Deep: across all five subgraphs',
    as: 'customers',
    query: `query Deep {
  me {
    name
    sessions { id current }
    orders(first: 3) {
      edges { node {
        status totalCents
        items { name quantity product { name category { name } } }
        payments { status amountCents order { status customer { name } } }
        tickets { subject status requester { name email } }
      } }
    }
    tickets(first: 3) {
      edges { node { subject priority order { status payments { status provider } } } }
    }
  }
}`,
  },
  {
    name: 'list',
    title: 'List: 50 tickets with nested references',
    as: 'agents',
    query: `query List {
  tickets(first: 50) {
    edges { node {
      subject status priority
      requester { name email }
      assignee { name }
      order { status totalCents customer { name } payments { status amountCents } }
    } }
  }
}`,
  },
];
