import { countQueueMessages, deleteTopology, testAmqpUrl, uniqueName, waitFor } from '@sensors/testing';
import { BrokerConnection, ConfirmPublisher, QueueConsumer, topologyFor, type Delivery } from '../src';

const topology = topologyFor({
  exchange: uniqueName('close_test_x'),
  routingKey: 'test.reading',
  queue: uniqueName('close_test_q'),
});

afterAll(async () => {
  await deleteTopology(topology);
});

describe('QueueConsumer.close', () => {
  it('keeps the acks sent just before the connection closes', async () => {
    const connection = new BrokerConnection({ urls: [testAmqpUrl], connectionName: uniqueName('close') });
    const held: Delivery[] = [];
    const consumer = new QueueConsumer(connection, { topology, onMessage: (delivery) => held.push(delivery) });
    const publisher = new ConfirmPublisher(connection, { topology });
    connection.start();
    await Promise.all(['a', 'b', 'c'].map((id) => publisher.publish({ id, body: Buffer.from(id) })));
    await waitFor('three deliveries', () => held.length === 3);

    // As at shutdown: stop consuming, ack the last batch once it is stored, then close.
    await consumer.stop();
    for (const delivery of held) delivery.ack();
    await consumer.close();
    await connection.close();

    expect(await countQueueMessages(topology.queue)).toBe(0);
  });
});
