import { redactUrl } from './redact-url';

/**
 * pino's `redact` option for the apps' loggers: wherever a log line carries a connection URL
 * under one of these field names, its password is masked (`amqp://user:***@host`), so a call
 * site can log `{ url }` as it is. Passwords inside free text (an error's message or stack)
 * are beyond what `redact` can reach, which works on whole field values: `serializeError`
 * masks those.
 *
 * @example
 * const log = pino({ redact: logRedaction, serializers: { err: serializeError } });
 * log.info({ url: 'postgres://app:secret@db/sensors' }, 'database connected'); // url: postgres://app:***@db/sensors
 */
export const logRedaction = {
  paths: ['url', 'urls[*]', 'amqpUrls[*]', 'mqttUrls[*]', 'databaseUrl', 'migrationDatabaseUrl', 'ownerUrl'],
  censor: (value: unknown): unknown => (typeof value === 'string' ? redactUrl(value) : value),
};
