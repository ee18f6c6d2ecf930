// The providers this deployment is configured for: each one when its secret is given.
import type { PaymentProvider } from '../domain/payment';
import type { PaymentEnv } from '../env';
import { MercadoPagoProvider } from './mercadopago.provider';
import type { PaymentProviderAdapter } from './provider';
import { SandboxProvider } from './sandbox.provider';
import { StripeProvider } from './stripe.provider';

export type Providers = ReadonlyMap<PaymentProvider, PaymentProviderAdapter>;

export function configuredProviders(env: PaymentEnv): Providers {
  const providers = new Map<PaymentProvider, PaymentProviderAdapter>();
  if (env.SANDBOX_WEBHOOK_SECRET) {
    providers.set('SANDBOX', new SandboxProvider({
      webhookSecret: env.SANDBOX_WEBHOOK_SECRET, pixKey: env.PIX_KEY, merchantName: env.PIX_MERCHANT_NAME, merchantCity: env.PIX_MERCHANT_CITY,
    }));
  }
  if (env.STRIPE_SECRET_KEY) {
    providers.set('STRIPE', new StripeProvider({ secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiBase: env.STRIPE_API_BASE }));
  }
  if (env.MERCADOPAGO_ACCESS_TOKEN) {
    providers.set('MERCADOPAGO', new MercadoPagoProvider({
      accessToken: env.MERCADOPAGO_ACCESS_TOKEN, webhookSecret: env.MERCADOPAGO_WEBHOOK_SECRET, apiBase: env.MERCADOPAGO_API_BASE,
    }));
  }
  return providers;
}

/**
 * The provider a payment started without one uses: SANDBOX where it is on (development and tests, as
 * the API documents), otherwise the only real provider configured. With two real ones the client
 * must choose, rather than the deployment charging through one it did not mean.
 */
export function defaultProvider(providers: Providers): PaymentProvider | null {
  if (providers.has('SANDBOX')) return 'SANDBOX';
  return providers.size === 1 ? [...providers.keys()][0] ?? null : null;
}

/** The provider named by the `:provider` segment of a webhook URL (`sandbox`, `stripe`, `mercadopago`). */
export function providerFromPath(segment: string): PaymentProvider | null {
  const name = segment.toUpperCase();
  return name === 'SANDBOX' || name === 'STRIPE' || name === 'MERCADOPAGO' ? name : null;
}
