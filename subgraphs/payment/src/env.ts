// The payment subgraph's configuration, read once from the environment.
import { baseEnvShape } from '@desk/shared';
import { z } from 'zod';

/** An optional setting; an empty value (as compose files often pass) counts as absent. */
const optional = () => z.preprocess((value) => (value === '' ? undefined : value), z.string().min(1).optional());
const optionalUrl = () => z.preprocess((value) => (value === '' ? undefined : value), z.string().url().optional());

export const paymentEnvSchema = z.object({
  ...baseEnvShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(4005),
  /**
   * Turns the SANDBOX provider on and signs its webhooks. Anyone holding it can mark a payment paid, so
   * the provider exists only where it is given (development, tests, a staging deployment).
   */
  SANDBOX_WEBHOOK_SECRET: z.preprocess((value) => (value === '' ? undefined : value), z.string().min(16).optional()),
  STRIPE_SECRET_KEY: optional(),
  STRIPE_WEBHOOK_SECRET: optional(),
  /** Another Stripe API host (a local fake in tests). */
  STRIPE_API_BASE: optionalUrl(),
  MERCADOPAGO_ACCESS_TOKEN: optional(),
  MERCADOPAGO_WEBHOOK_SECRET: optional(),
  /** Another MercadoPago API host (a local fake in tests). */
  MERCADOPAGO_API_BASE: optionalUrl(),
  /** The receiver of the SANDBOX provider's PIX codes. */
  PIX_KEY: z.string().min(1).max(77).default('123e4567-e12b-12d1-a456-426655440000'),
  PIX_MERCHANT_NAME: z.string().min(1).default('Desk Platform'),
  PIX_MERCHANT_CITY: z.string().min(1).default('Sao Paulo'),
}).refine((env) => env.SANDBOX_WEBHOOK_SECRET || env.STRIPE_SECRET_KEY || env.MERCADOPAGO_ACCESS_TOKEN, {
  message: 'no payment provider is configured: set STRIPE_SECRET_KEY, MERCADOPAGO_ACCESS_TOKEN or (not for real money) SANDBOX_WEBHOOK_SECRET',
});

export type PaymentEnv = z.infer<typeof paymentEnvSchema>;
