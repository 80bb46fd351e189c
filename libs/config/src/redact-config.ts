import { redactUrl } from '@sensors/runtime';

/**
 * Returns a copy of a configuration fit to print or log: the values of `secretKeys` (at any
 * depth) become `***`, and every string holding a URL has its password masked.
 *
 * @example
 * redactConfig({ amqp: { urls: ['amqp://app:s3cret@rabbit'] }, http: { tokens: ['t0ken'] } }, ['tokens']);
 * // { amqp: { urls: ['amqp://app:***@rabbit/'] }, http: { tokens: ['***'] } }
 */
export function redactConfig<T>(config: T, secretKeys: readonly string[] = []): T {
  const walk = (value: unknown, secret: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, secret));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [key, walk(inner, secret || secretKeys.includes(key))]),
      );
    }
    if (secret && value !== undefined) return '***';
    return typeof value === 'string' && value.includes('://') ? redactUrl(value) : value;
  };
  return walk(config, false) as T;
}
