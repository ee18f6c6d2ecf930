// Secrets some events carry (a password-reset token, for the email worker) must never be kept anywhere
// else: not in the audit trail, not in the dead-letter stream. Every key of this list is replaced
// wherever it appears in a payload, however deeply nested.
export const REDACTED = '[redacted]';

export const SENSITIVE_KEYS: ReadonlySet<string> = new Set(['resetToken', 'password', 'token']);

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      out[key] = SENSITIVE_KEYS.has(key) ? REDACTED : redact(inner);
    }
    return out;
  }
  return value;
}
