import { sumSamples } from '../src';

const text = [
  '# HELP sensors_batch_write_failures_total Batch writes that failed, by cause.',
  '# TYPE sensors_batch_write_failures_total counter',
  'sensors_batch_write_failures_total{cause="53100"} 2',
  'sensors_batch_write_failures_total{cause="53300",target="db"} 3',
  'sensors_batch_write_failures_total_extra 100',
  'sensors_readings_stored_total 3000',
  'sensors_label_escapes{reason="a \\"quoted\\" one"} 1',
  '',
].join('\n');

describe('sumSamples', () => {
  it('sums every series of a metric, or those whose labels include the ones given', () => {
    expect(sumSamples(text, 'sensors_batch_write_failures_total')).toBe(5);
    expect(sumSamples(text, 'sensors_batch_write_failures_total', { cause: '53300' })).toBe(3);
    expect(sumSamples(text, 'sensors_readings_stored_total')).toBe(3000);
    expect(sumSamples(text, 'sensors_label_escapes', { reason: 'a \\"quoted\\" one' })).toBe(1);
  });

  it('is undefined for a metric without samples or a label no series has', () => {
    expect(sumSamples(text, 'sensors_batch_write_failures')).toBeUndefined();
    expect(sumSamples(text, 'sensors_batch_write_failures_total', { cause: '08006' })).toBeUndefined();
    expect(sumSamples(text, 'sensors_readings_stored_total', { cause: '53100' })).toBeUndefined();
  });
});
