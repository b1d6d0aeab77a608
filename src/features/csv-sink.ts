/**
 * A training-set sink writing RFC 4180 CSV to a file with backpressure (one batch in memory).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { TrainingSetSink } from './training-set.js';

/** Quotes a CSV field when needed; NULL is an empty field. */
export function csvField(v: string | null): string {
  if (v === null) return '';
  return /[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * @example
 * const out = csvFileSink('/tmp/train.csv');
 * await buildTrainingSet(adapter, registry, req, out.sink);
 * await out.close();
 */
export function csvFileSink(path: string, batchSize = 5000): { sink: TrainingSetSink; close: () => Promise<void> } {
  const stream = createWriteStream(path, { encoding: 'utf8' });
  let columns: readonly string[] = [];
  const write = async (text: string): Promise<void> => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  return {
    sink: {
      kind: 'rows',
      batchSize,
      onColumns: async (cols) => {
        columns = cols;
        await write(`${cols.map(csvField).join(',')}\n`);
      },
      onBatch: async (rows) => {
        let text = '';
        for (const r of rows) text += `${columns.map((c) => csvField(r[c] ?? null)).join(',')}\n`;
        await write(text);
      },
    },
    close: () =>
      new Promise((resolve, reject) => {
        stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
      }),
  };
}
