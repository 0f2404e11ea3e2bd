import { pipeline, type Readable } from 'node:stream';
import { RegistryError } from '../oci/errors.js';
import { tapStream } from './local-files.js';

export interface InspectedStream {
  /** Read this one (e.g. upload it); the inspector gets a copy of every byte. */
  stream: Readable;
  /** The inspector's verdict on the whole content; call it once `stream` has been read to the end. */
  inspected(): Promise<void>;
  /** True once every byte has gone through (a broken-off read leaves it false). */
  readonly complete: boolean;
}

/**
 * Lets `inspect` read a copy of a stream while it is consumed for something else — to verify an
 * archive during its upload, in the same pass. A failing inspector fails the stream too.
 */
export function inspectWhileReading(source: Readable, inspect: (bytes: Readable) => Promise<void>): InspectedStream {
  const tap = tapStream(inspect);
  pipeline(source, tap.stage, () => {
    // Errors surface on the stage, which the consumer reads.
  });
  return {
    stream: tap.stage,
    get complete() {
      return tap.complete;
    },
    inspected: async () => {
      if (!tap.complete) {
        throw new RegistryError('the content was not read to the end, so its inspection is incomplete', { kind: 'failure', operation: 'inspect' });
      }
      return tap.done;
    },
  };
}

/**
 * Hands a stream that checks itself (a blob verified against its digest as it flows) to `consume`,
 * and reads the stream to its end even when `consume` gives up early: a failure of the stream
 * itself is the root cause and wins over the consumer's (a corrupt blob is reported as "does not
 * match its digest", never as whatever the archive reader made of the corrupt bytes first).
 */
export async function consumeWhole<T>(source: Readable, consume: (bytes: Readable) => Promise<T>): Promise<T> {
  let result: T | undefined;
  const tap = tapStream(
    async (bytes) => {
      result = await consume(bytes);
    },
    { verdictAtEnd: true },
  );
  const drained = new Promise<void>((resolve, reject) => {
    pipeline(source, tap.stage, (error) => (error ? reject(error) : resolve()));
    tap.stage.resume();
  });
  try {
    await drained;
  } catch (error) {
    tap.abort();
    throw error;
  }
  await tap.done;
  return result as T;
}
