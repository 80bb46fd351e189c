// Everything exported here is public API.
export {
  BrokerConnection,
  type BrokerClient,
  type BrokerConnectionEvents,
  type BrokerConnectionOptions,
} from './broker-connection';
export { brokerRefusal, type BrokerRefusal } from './broker-refusal';
export {
  ConfirmPublisher,
  PublishRejectedError,
  type ConfirmPublisherOptions,
  type OutgoingMessage,
} from './confirm-publisher';
export {
  DEFAULT_DEAD_LETTER_HEADERS,
  QueueConsumer,
  deadLetterProperties,
  type DeadLetterHeaderNames,
  type DeadLetterPart,
  type DeadLetterReason,
  type Delivery,
  type QueueConsumerOptions,
} from './queue-consumer';
export { logBrokerEvents } from './log-broker-events';
export { PrefetchTuner, type PrefetchTunerOptions } from './prefetch-tuner';
export {
  DEAD_LETTER_DELIVERY_LIMIT,
  TopologyMismatchError,
  declareDeadLetterQueue,
  declareTopology,
  topologyFor,
  type Topology,
  type TopologyOptions,
} from './topology';
export { whenBrokerRefuses } from './when-broker-refuses';
