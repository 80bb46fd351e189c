import { ENVELOPE_MEDIA_TYPE, ENVELOPE_VERSION, READING_CONTENT_TYPE, type MessageFormat } from './sensor-envelope';

/**
 * Tells from a message's content type whether it holds one reading (`application/json`, or no
 * content type at all, as older producers sent) or an envelope of readings
 * (`application/vnd.sensors.envelope+json; version=1`). Returns undefined for anything else,
 * an envelope of another version included, or a charset other than UTF-8.
 *
 * @example
 * readMessageFormat('application/vnd.sensors.envelope+json; version=1'); // 'envelope'
 */
export function readMessageFormat(contentType: string | undefined): MessageFormat | undefined {
  if (contentType === undefined) return 'reading';
  const [mediaType, ...parameterTexts] = contentType.toLowerCase().split(';');
  const parameters = new Map<string, string>();
  for (const text of parameterTexts) {
    const equals = text.indexOf('=');
    if (equals < 0) return undefined;
    parameters.set(
      text.slice(0, equals).trim(),
      text
        .slice(equals + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  const charset = parameters.get('charset');
  if (charset !== undefined && charset !== 'utf-8') return undefined;
  switch (mediaType.trim()) {
    case READING_CONTENT_TYPE:
      return parameters.size === (charset === undefined ? 0 : 1) ? 'reading' : undefined;
    case ENVELOPE_MEDIA_TYPE:
      return parameters.get('version') === String(ENVELOPE_VERSION) &&
        parameters.size === (charset === undefined ? 1 : 2)
        ? 'envelope'
        : undefined;
    default:
      return undefined;
  }
}
