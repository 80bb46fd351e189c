// Everything exported here is public API: the one harness of the workspace's tests, bench and
// fault drill. Tests use the machine's RabbitMQ and Postgres (TEST_AMQP_URL, TEST_DATABASE_URL)
// only through their own names; whatever a test stops, blocks or reconfigures, it starts itself.
export { AppProcess, startApp, type AppProcessOptions, type LogLine } from './app-process';
export { execCommand } from './exec-command';
export { freePort, isListening } from './free-port';
export { startMosquitto, type MosquittoBroker, type MosquittoOptions } from './mosquitto';
export {
  adminQuery,
  createTestDatabase,
  isRunningStatement,
  quoteIdentifier,
  terminateDatabaseSessions,
  type AdminQueryOptions,
  type TestDatabase,
} from './postgres';
export { startPostgresCluster, type PostgresCluster, type SmallTablespace } from './postgres-cluster';
export { promtoolComplaints } from './promtool';
export { metricsPortOf, readMetric, scrapeMetrics, sumSamples } from './read-metric';
export { startRabbitCluster, type QueueReplicas, type RabbitCluster } from './rabbit-cluster';
export { startRabbitNode, type RabbitNode, type StartRabbitNodeOptions } from './rabbit-node';
export {
  closeBrokerConnections,
  countQueueMessages,
  deleteBrokerObjects,
  deleteTopology,
  machineBroker,
  peekQueue,
  queueDepth,
  setQueuePolicy,
  takeMessages,
  withChannel,
  type Broker,
  type PeekedMessage,
  type QueueDepth,
  type TopologyNames,
} from './rabbitmq';
export { testAmqpUrl, testDatabaseAdminUrl } from './services';
export type { StoredReadingRow } from './stored-reading-row';
export { uniqueName } from './unique-name';
export { waitFor, withTimeout, type Truthy, type WaitForOptions } from './wait';
