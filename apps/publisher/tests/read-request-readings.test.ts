import { InvalidRequestBodyError, readRequestReadings } from '../src/http/read-request-readings';

describe('readRequestReadings', () => {
  it('reads one JSON object as one item', async () => {
    expect(await readRequestReadings(Buffer.from('{"id":"a"}'), false)).toEqual([{ index: 0, input: { id: 'a' } }]);
  });

  it('reads a JSON array as one item per element', async () => {
    expect(await readRequestReadings(Buffer.from('[{"id":"a"}, 5]'), false)).toEqual([
      { index: 0, input: { id: 'a' } },
      { index: 1, input: 5 },
    ]);
  });

  it('reads NDJSON as the bytes of each line that is not blank, indexed by line', async () => {
    const items = await readRequestReadings(Buffer.from('{"id":"a"}\n\nnot json\n'), true);
    expect(items.map(({ index, input }) => ({ index, text: String(input) }))).toEqual([
      { index: 0, text: '{"id":"a"}' },
      { index: 2, text: 'not json' },
    ]);
  });

  it('throws InvalidRequestBodyError for a JSON body that does not parse', async () => {
    await expect(readRequestReadings(Buffer.from('{"id":'), false)).rejects.toThrow(
      new InvalidRequestBodyError('the body is not valid JSON (Unexpected end of JSON input)'),
    );
  });

  it('throws InvalidRequestBodyError for a body that is not UTF-8', async () => {
    await expect(readRequestReadings(Buffer.from([0x22, 0xff, 0x22]), false)).rejects.toThrow(
      'the body is not valid UTF-8',
    );
  });

  it('counts the items of an array before parsing, and refuses more than maxItems', async () => {
    const body = '[{"id":"a,]"},{"n":[1,2,{"x":"\\""}]}, 3 ]';
    expect(await readRequestReadings(Buffer.from(body), false, 3)).toHaveLength(3);
    await expect(readRequestReadings(Buffer.from(body), false, 2)).rejects.toThrow('holds 3 readings, more than the 2');
    await expect(readRequestReadings(Buffer.from('{}\n{}\n{}'), true, 2)).rejects.toThrow(InvalidRequestBodyError);
    expect(await readRequestReadings(Buffer.from('[]'), false, 0)).toEqual([]);
  });
});
