// Prometheus metrics of the gateway at GET /metrics: the process (CPU, memory, event loop) and the
// live subscriptions (subscribers, shared resolution groups, NATS subjects, resolutions, deliveries).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventHub } from './subscriptions/event-hub';
import type { LiveQueryService } from './subscriptions/live-query.service';

export function gatewayMetrics(live: LiveQueryService, hub: EventHub): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  const total = (name: string, help: string, read: () => number) =>
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });
  gauge('desk_gateway_subscribers', 'Open subscriptions', () => live.stats.subscribers);
  gauge('desk_gateway_subscription_groups', 'Groups of subscribers resolved together (same plan, variables and scope)', () => live.groupCount);
  gauge('desk_gateway_event_subjects', 'NATS subjects the gateway listens to for subscriptions', () => hub.subscriptionCount);
  total('desk_gateway_live_resolutions_total', 'Events resolved through the query plan for subscribers', () => live.stats.resolutions);
  total('desk_gateway_live_deliveries_total', 'Results queued for subscribers', () => live.stats.deliveries);
  return registry;
}
