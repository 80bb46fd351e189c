/** The broker tests talk to: `TEST_AMQP_URL`, or the local RabbitMQ. */
export const testAmqpUrl = process.env['TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A Postgres URL with rights to create databases: `TEST_DATABASE_URL`, or the local server. */
export const testDatabaseAdminUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
