/**
 * Returns a connection URL, or a comma-separated list of them, with every password replaced
 * by `***`, fit for logs and error messages. Text that is not a URL is hidden whole, since it
 * may be a secret pasted in the wrong place.
 *
 * @example
 * redactUrl('amqp://guest:guest@127.0.0.1:5672'); // 'amqp://guest:***@127.0.0.1:5672'
 */
export function redactUrl(url: string): string {
  return url
    .split(',')
    .map((part) => {
      try {
        const parsed = new URL(part.trim());
        if (parsed.password) parsed.password = '***';
        return parsed.toString();
      } catch {
        return '<not a URL>';
      }
    })
    .join(',');
}
