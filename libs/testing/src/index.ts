// Everything exported here is public API: helpers for the workspace's own tests, talking to
// the real RabbitMQ and Postgres (URLs from TEST_AMQP_URL / TEST_DATABASE_URL).
export { startApp, type AppProcess } from './app-process';
export {
  closedPort,
  createTestDatabase,
  isRunningStatement,
  terminateDatabaseSessions,
  type TestDatabase,
} from './postgres';
export { promtoolComplaints } from './promtool';
export { clusterNodeUrls, rabbitCluster } from './rabbit-cluster';
export { closeBrokerConnections, countQueueMessages, deleteBrokerObjects, setQueuePolicy } from './rabbitmq';
export { testAmqpUrl, testDatabaseAdminUrl } from './services';
export { uniqueName } from './unique-name';
export { waitFor } from './wait-for';
