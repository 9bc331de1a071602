/** A secret to hide, and the name it is shown under. */
export interface SecretToRedact {
  name: string;
  value: string;
}

/** The forms a secret can take on the wire or in an echo: raw, base64, base64url, URL-encoded. */
export function secretForms(value: string): string[] {
  const forms = new Set([
    value,
    Buffer.from(value, 'utf8').toString('base64'),
    Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''),
    Buffer.from(value, 'utf8').toString('base64url'),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    new URLSearchParams({ v: value }).toString().slice(2), // as a query parameter
  ]);
  return [...forms].filter((form) => form.length > 0);
}

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces every form of every secret with `[REDACTED:<name>]`. Longer forms go first, so a secret
 * inside a longer one (a password inside `user:password`) never leaves a fragment behind.
 */
export class Redactor {
  private readonly pattern?: RegExp;
  private readonly names = new Map<string, string>();

  constructor(secrets: SecretToRedact[]) {
    for (const secret of secrets) {
      for (const form of secretForms(secret.value)) if (!this.names.has(form)) this.names.set(form, secret.name);
    }
    const forms = [...this.names.keys()].sort((a, b) => b.length - a.length);
    if (forms.length) this.pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  }

  text(value: string): string {
    return this.pattern ? value.replace(this.pattern, (match) => `[REDACTED:${this.names.get(match)}]`) : value;
  }

  /** Redacts every string inside a JSON-like value. */
  value<T>(input: T): T {
    if (!this.pattern) return input;
    if (typeof input === 'string') return this.text(input) as T;
    if (Array.isArray(input)) return input.map((item: unknown) => this.value(item)) as T;
    if (input && typeof input === 'object') {
      return Object.fromEntries(
        Object.entries(input as Record<string, unknown>).map(([k, v]) => [this.text(k), this.value(v)])
      ) as T;
    }
    return input;
  }
}
