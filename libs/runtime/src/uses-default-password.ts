/**
 * Whether a connection URL's password is one of this repository's defaults, which all repeat
 * the user name (`sensors_app:sensors_app`, RabbitMQ's `guest:guest`), so that an app can warn
 * loudly before it runs like that in production.
 *
 * @example
 * usesDefaultPassword('amqp://guest:guest@127.0.0.1:5672'); // true
 */
export function usesDefaultPassword(url: string): boolean {
  try {
    const { username, password } = new URL(url);
    return password !== '' && password === username;
  } catch {
    return false;
  }
}
