import { connect, type ChannelModel } from 'amqplib';
import { deleteTopology, testAmqpUrl, uniqueName, takeMessages } from '@sensors/testing';
import { BrokerConnection, ConfirmPublisher, DEFAULT_DEAD_LETTER_HEADERS, topologyFor } from '../src';

const topology = topologyFor({
  exchange: uniqueName('msg_dl_x'),
  routingKey: 'test.reading',
  queue: uniqueName('msg_dl_q'),
});
let admin: ChannelModel;
let connection: BrokerConnection;

const takeAll = (queue: string) => takeMessages(queue);

beforeAll(async () => {
  admin = await connect(testAmqpUrl);
  connection = new BrokerConnection({ urls: [testAmqpUrl], connectionName: uniqueName('pub_dl') });
});

afterAll(async () => {
  await connection.close();
  await admin.close();
  await deleteTopology(topology);
});

describe('ConfirmPublisher toDeadLetterExchange', () => {
  it('confirms a message once the dead-letter queue has it, with its headers and bytes', async () => {
    const readings = new ConfirmPublisher(connection, { topology });
    const deadLetters = new ConfirmPublisher(connection, { topology, toDeadLetterExchange: true });
    connection.start();
    const body = Buffer.from('{"id":"broken",');
    await deadLetters.publish({
      id: 'stdin:3',
      body,
      headers: {
        [DEFAULT_DEAD_LETTER_HEADERS.code]: 'invalid-reading',
        [DEFAULT_DEAD_LETTER_HEADERS.fields]: '(reading)',
      },
    });
    await readings.publish({ id: 'good', body: Buffer.from('{}') });

    const [deadLetter, ...more] = await takeAll(topology.deadLetterQueue);
    expect(more).toEqual([]);
    expect(deadLetter.content.equals(body)).toBe(true);
    expect(deadLetter.properties.messageId).toBe('stdin:3');
    expect(deadLetter.properties.headers).toMatchObject({
      [DEFAULT_DEAD_LETTER_HEADERS.code]: 'invalid-reading',
      [DEFAULT_DEAD_LETTER_HEADERS.fields]: '(reading)',
    });
    expect((await takeAll(topology.queue)).map((m) => m.properties.messageId)).toEqual(['good']);
  });
});
