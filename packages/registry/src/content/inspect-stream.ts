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
